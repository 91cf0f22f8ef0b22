import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { cached } from '../cache';
import { listPopularTags } from '../services/tags';
import { publicProcedure } from '../trpc';

/** The cache namespace of the tag list: article writes invalidate it. */
export const TAGS = 'tags';

export const tagListInput = z
  .object({
    /** How many tags to return, most used first. */
    limit: z.number().int().min(1).max(100).default(20),
  })
  .default({ limit: 20 });

export const tagRouter = {
  list: publicProcedure
    .input(tagListInput)
    // Every visitor's home page asks for it, and it groups all of article_tags: kept, and
    // invalidated by every article write (see TAGS in article.ts).
    .query(async ({ ctx, input }) => ({
      tags: await cached(ctx.cache, TAGS, String(input.limit), () =>
        listPopularTags(ctx.db, input.limit),
      ),
    })),
} satisfies TRPCRouterRecord;
