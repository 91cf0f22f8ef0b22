import { adminRouter } from './routers/admin';
import { authRouter } from './routers/auth';
import { tagRouter } from './routers/tag';
import { userRouter } from './routers/user';
import { createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  user: userRouter,
  admin: adminRouter,
  tag: tagRouter,
});

export type AppRouter = typeof appRouter;
