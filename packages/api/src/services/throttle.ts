// Throttles on sign-in and sign-up: they are where password guessing and mass sign-up happen.
import { TRPCError } from '@trpc/server';
import type { AuthLimits, RequestMeta } from '../context';
import { tooManyRequests } from '../errors';
import { clientKey, type RateLimiter } from '../limits';

export interface ThrottleContext {
  limiter: RateLimiter;
  limits: AuthLimits;
  meta: RequestMeta;
}

/** Counted per address for IPv4 and per /64 for IPv6 (one user's usual share). */
const ipKey = (ctx: ThrottleContext) => clientKey(ctx.meta.ip ?? 'unknown');
/** Keyed by the email as typed (lower-cased), so unknown and known emails are throttled alike. */
const accountKey = (email: string) => `login:fail:${email.toLowerCase()}`;
/** Failures from the address; a prefix of its own, so no typed email can name this counter. */
const failedFromIpKey = (ctx: ThrottleContext) => `login:ipfail:${ipKey(ctx)}`;

/**
 * The counters' store being down (Redis unreachable) closes sign-in and sign-up with a 503 rather
 * than opening them to unlimited guessing; the rest of the site keeps working.
 */
export function guarded(limiter: RateLimiter): RateLimiter {
  const unavailable = () =>
    new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Signing in is briefly unavailable; try again soon',
    });
  return {
    hit: (...args) => limiter.hit(...args).catch(() => Promise.reject(unavailable())),
    peek: (...args) => limiter.peek(...args).catch(() => Promise.reject(unavailable())),
    reset: (...args) => limiter.reset(...args).catch(() => Promise.reject(unavailable())),
  };
}

/**
 * Counts a sign-in attempt from this IP (password or passkey alike) and refuses past the
 * attempts' generous cap, against floods.
 */
export async function countSignInAttempt(ctx: ThrottleContext): Promise<void> {
  const { loginAttemptsPerIp: perIp } = ctx.limits;
  const attempts = await guarded(ctx.limiter).hit(
    `login:ip:${ipKey(ctx)}`,
    perIp.max,
    perIp.windowMs,
  );
  if (!attempts.allowed) throw tooManyRequests(attempts.retryAfterMs);
}

/** Refuses a sign-in from an IP whose failures (any method) are past their limit. */
export async function refuseIfIpFailing(ctx: ThrottleContext): Promise<void> {
  const { loginFailuresPerIp: perIp } = ctx.limits;
  const failed = await guarded(ctx.limiter).peek(failedFromIpKey(ctx), perIp.max, perIp.windowMs);
  if (!failed.allowed) throw tooManyRequests(failed.retryAfterMs);
}

/** A failed sign-in (a wrong password, a refused passkey): counted for the IP. */
export async function countFailureFromIp(ctx: ThrottleContext): Promise<void> {
  const { loginFailuresPerIp: perIp } = ctx.limits;
  await guarded(ctx.limiter).hit(failedFromIpKey(ctx), perIp.max, perIp.windowMs);
}

/**
 * Counts a login attempt from this IP and refuses once the IP's attempts, the IP's failures or the
 * account's failures are over their limits. Failures, not attempts, are what guessing produces:
 * counting every attempt per IP locked out an office whose colleagues all sign in from one
 * address; all attempts keep a generous cap of their own, against floods.
 */
export async function throttleLogin(ctx: ThrottleContext, email: string): Promise<void> {
  await countSignInAttempt(ctx);
  await refuseIfIpFailing(ctx);
  const { loginFailuresPerAccount: perAccount } = ctx.limits;
  const failedForAccount = await guarded(ctx.limiter).peek(
    accountKey(email),
    perAccount.max,
    perAccount.windowMs,
  );
  if (!failedForAccount.allowed) throw tooManyRequests(failedForAccount.retryAfterMs);
}

/** A wrong password or an unknown email: counted for the account and for the IP. */
export async function countFailedLogin(ctx: ThrottleContext, email: string): Promise<void> {
  const { loginFailuresPerAccount: perAccount } = ctx.limits;
  await guarded(ctx.limiter).hit(accountKey(email), perAccount.max, perAccount.windowMs);
  await countFailureFromIp(ctx);
}

/**
 * A success forgets the account's failures only: were the IP's forgotten too, a guesser could
 * sign in to an account of their own between guesses and never reach the IP's limit.
 */
export async function forgetFailedLogins(ctx: ThrottleContext, email: string): Promise<void> {
  await guarded(ctx.limiter).reset(accountKey(email));
}

export async function throttleRegistration(ctx: ThrottleContext): Promise<void> {
  const { registrationsPerIp: perIp } = ctx.limits;
  const result = await guarded(ctx.limiter).hit(
    `register:ip:${ipKey(ctx)}`,
    perIp.max,
    perIp.windowMs,
  );
  if (!result.allowed) throw tooManyRequests(result.retryAfterMs);
}
