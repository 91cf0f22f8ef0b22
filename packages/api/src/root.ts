import { accessTokenRouter } from './routers/access-token';
import { accountRouter } from './routers/account';
import { adminRouter } from './routers/admin';
import { articleRouter } from './routers/article';
import { authRouter } from './routers/auth';
import { commentRouter } from './routers/comment';
import { passkeyRouter } from './routers/passkey';
import { passkeySignIn } from './routers/passkey-auth';
import { profileRouter } from './routers/profile';
import { tagRouter } from './routers/tag';
import { twoFactorRouter } from './routers/two-factor';
import { userRouter } from './routers/user';
import { createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  // Passkey sign-in answers under auth beside the password's, from a file of its own.
  auth: { ...authRouter, ...passkeySignIn },
  user: userRouter,
  profile: profileRouter,
  article: articleRouter,
  comment: commentRouter,
  tag: tagRouter,
  admin: adminRouter,
  twoFactor: twoFactorRouter,
  account: accountRouter,
  passkey: passkeyRouter,
  accessToken: accessTokenRouter,
});

export type AppRouter = typeof appRouter;
