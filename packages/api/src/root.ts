import { accountRouter } from './routers/account';
import { adminRouter } from './routers/admin';
import { articleRouter } from './routers/article';
import { authRouter } from './routers/auth';
import { commentRouter } from './routers/comment';
import { profileRouter } from './routers/profile';
import { tagRouter } from './routers/tag';
import { twoFactorRouter } from './routers/two-factor';
import { userRouter } from './routers/user';
import { createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  user: userRouter,
  profile: profileRouter,
  article: articleRouter,
  comment: commentRouter,
  tag: tagRouter,
  admin: adminRouter,
  twoFactor: twoFactorRouter,
  account: accountRouter,
});

export type AppRouter = typeof appRouter;
