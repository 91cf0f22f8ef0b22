import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { type AppRouter, appRouter } from './root';
import { createCallerFactory } from './trpc';

export { type TokenReach, tokenReach } from './access-token-policy';
export {
  type AnswerCache,
  type AnswerWatch,
  type CacheStats,
  type CacheStore,
  cached,
  cachedByTags,
  createMemoryCache,
  createNoCache,
  createTieredCache,
  GENERATION_KEPT_MS,
  type InvalidationBus,
  invalidate,
  type RemoteTier,
} from './cache';
export { createLocalTier, type LocalTier } from './cache-local';
export {
  type AccountSettings,
  type AuthLimits,
  type Context,
  type CreateContextOptions,
  createTRPCContext,
  defaultAccountSettings,
  type Limit,
  type RequestMeta,
  type SessionCookie,
  type WebAuthnSettings,
} from './context';
export {
  type FieldErrors,
  InvalidFieldsError,
  type PendingSecondFactor,
  RateLimitedError,
  RequestRefusedError,
  SecondFactorRequiredError,
} from './errors';
export {
  classifyFailure,
  type Failure,
  type FailureKind,
  INTERNAL_MESSAGE,
  type Issue,
} from './failures';
export { clientKey, type RateLimiter, type RateLimitResult } from './limits';
export {
  type CommentEvents,
  type CommentEventsOptions,
  createCommentEvents,
  defaultCommentEventsOptions,
} from './live/comment-events';
export {
  createMemoryWritePositions,
  type ReadRouting,
  type ReadRoutingOptions,
  routeReads,
  unsharedWritePositions,
  type WritePositions,
} from './read-routing';
export { profileInput } from './routers/profile';
export { tagListInput } from './routers/tag';
export { deleteAccountInput } from './routers/user-data';
export * from './schemas/access-token';
export * from './schemas/account';
export { type AccountExport, accountExportSchema } from './schemas/account-export';
export {
  articleSummarySchema,
  articleViewSchema,
  createArticleInput,
  deleteArticleInput,
  favoriteArticleInput,
  feedInput,
  getArticleInput,
  listArticlesInput,
  updateArticleInput,
} from './schemas/article';
export {
  COMMENT_PAGE_SIZE_MAX,
  commentIdSchema,
  commentViewSchema,
  createCommentInput,
  deleteCommentInput,
} from './schemas/comment';
export * from './schemas/passkey';
export * from './schemas/recovery';
export * from './schemas/search';
export * from './schemas/two-factor';
export { forgetSessionsEndedElsewhere } from './session-cache';
export { type AppRouter, appRouter };

/** Calls procedures in-process: `createCaller(createTRPCContext({ db })).tag.list()`. */
export const createCaller = createCallerFactory(appRouter);

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export {
  describeProcedures,
  type ProcedureReference,
  procedureReferenceMarkdown,
} from './reference';
export { purgeExpiredChallenges } from './services/webauthn-challenges';
