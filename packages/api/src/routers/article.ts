// Articles: write, read, list, feed, favorite. (Being built: see issue 5.)
import type { TRPCRouterRecord } from '@trpc/server';

export const articleRouter = {} satisfies TRPCRouterRecord;
