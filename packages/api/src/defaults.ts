// The defaults of the API's settings, each defined once: the server's configuration
// (apps/server/src/config.ts) takes its defaults from here, and in-process callers that pass
// nothing (tests, scripts) get the same.
import type { AccountSettings, AuthLimits } from './context';
import type { CommentEventsOptions } from './live/comment-events';

const MINUTE = 60_000;
export const defaultAuthLimits: AuthLimits = {
  loginFailuresPerAccount: { max: 5, windowMs: 15 * MINUTE },
  loginFailuresPerIp: { max: 20, windowMs: 15 * MINUTE },
  loginAttemptsPerIp: { max: 200, windowMs: 15 * MINUTE },
  registrationsPerIp: { max: 30, windowMs: 60 * MINUTE },
  passwordResetsPerIp: { max: 20, windowMs: 60 * MINUTE },
  passwordResetsPerAddress: { max: 5, windowMs: 60 * MINUTE },
  verificationMailsPerAccount: { max: 5, windowMs: 60 * MINUTE },
  accessTokenCalls: { max: 1000, windowMs: MINUTE },
};

/** How accounts behave unless configured (PUBLIC_ORIGIN, REAUTH_WINDOW_MS, REQUIRE_VERIFIED_EMAIL). */
export const defaultAccountSettings: AccountSettings = {
  publicOrigin: 'http://localhost:3000',
  reauthWindowMs: 10 * MINUTE,
  requireVerifiedEmail: false,
};

/** Caps on live comment subscriptions (LIVE_MAX_SUBSCRIPTIONS_PER_CLIENT, LIVE_MAX_SUBSCRIPTIONS). */
export const defaultCommentEventsOptions: CommentEventsOptions = {
  maxPerClient: 10,
  maxTotal: 1000,
  maxPending: 1000,
};

/** Most procedure calls in one tRPC batch request (TRPC_MAX_BATCH_SIZE). */
export const DEFAULT_MAX_BATCH_SIZE = 10;
