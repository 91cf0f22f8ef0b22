import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { cached } from '../cache';
import { TAG_LIST } from '../services/cache-tags';
import { listPopularTags } from '../services/tags';
import { publicProcedure } from '../trpc';

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
    // invalidated by every article write that changes it (TAG_LIST in cache-tags.ts).
    .query(async ({ ctx, input }) => ({
      tags: await cached(ctx.cache, TAG_LIST, String(input.limit), () =>
        listPopularTags(ctx.db, input.limit),
      ),
    })),
} satisfies TRPCRouterRecord;
