// Throttles on sign-in and sign-up: they are where password guessing and mass sign-up happen.
import { TRPCError } from '@trpc/server';
import { tooManyRequests } from '../errors';
import { clientKey, type RateLimiter } from '../limits';
import type { AuthLimits, RequestMeta } from '../trpc';

interface ThrottleContext {
  limiter: RateLimiter;
  limits: AuthLimits;
  meta: RequestMeta;
}

/** Counted per address for IPv4 and per /64 for IPv6 (one user's usual share). */
const ipKey = (ctx: ThrottleContext) => clientKey(ctx.meta.ip ?? 'unknown');
/** Keyed by the email as typed (lower-cased), so unknown and known emails are throttled alike. */
const accountKey = (email: string) => `login:fail:${email.toLowerCase()}`;

/** Counts a login attempt from this IP and refuses once the account or the IP is over its limit. */
/**
 * The counters' store being down (Redis unreachable) closes sign-in and sign-up with a 503 rather
 * than opening them to unlimited guessing; the rest of the site keeps working.
 */
function guarded(limiter: RateLimiter): RateLimiter {
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

export async function throttleLogin(ctx: ThrottleContext, email: string): Promise<void> {
  const { loginAttemptsPerIp: perIp, loginFailuresPerAccount: perAccount } = ctx.limits;
  const fromIp = await guarded(ctx.limiter).hit(
    `login:ip:${ipKey(ctx)}`,
    perIp.max,
    perIp.windowMs,
  );
  if (!fromIp.allowed) throw tooManyRequests(fromIp.retryAfterMs);
  const account = await guarded(ctx.limiter).peek(
    accountKey(email),
    perAccount.max,
    perAccount.windowMs,
  );
  if (!account.allowed) throw tooManyRequests(account.retryAfterMs);
}

export async function countFailedLogin(ctx: ThrottleContext, email: string): Promise<void> {
  const { loginFailuresPerAccount: perAccount } = ctx.limits;
  await guarded(ctx.limiter).hit(accountKey(email), perAccount.max, perAccount.windowMs);
}

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
