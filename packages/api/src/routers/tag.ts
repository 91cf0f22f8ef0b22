import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
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
    .query(async ({ ctx, input }) => ({ tags: await listPopularTags(ctx.db, input.limit) })),
} satisfies TRPCRouterRecord;
