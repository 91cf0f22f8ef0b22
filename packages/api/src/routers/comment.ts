// Comments on articles, and new ones live. (Being built: see issue 5.)
import type { TRPCRouterRecord } from '@trpc/server';

export const commentRouter = {} satisfies TRPCRouterRecord;
