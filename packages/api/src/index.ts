import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { type AppRouter, appRouter } from './root';
import { createCallerFactory } from './trpc';

export { RateLimitedError } from './errors';
export { clientKey, type RateLimiter, type RateLimitResult } from './limits';
export {
  type AuthLimits,
  type Context,
  type CreateContextOptions,
  createTRPCContext,
  type FieldErrors,
  type Limit,
  type RequestMeta,
  type SessionCookie,
} from './trpc';
export { type AppRouter, appRouter };

/** Calls procedures in-process: `createCaller(createTRPCContext({ db })).tag.list()`. */
export const createCaller = createCallerFactory(appRouter);

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
