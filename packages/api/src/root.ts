import { tagRouter } from './routers/tag';
import { createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  tag: tagRouter,
});

export type AppRouter = typeof appRouter;
