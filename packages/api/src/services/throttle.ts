// Throttles on sign-in and sign-up: they are where password guessing and mass sign-up happen.
import { tooManyRequests } from '../errors';
import type { RateLimiter } from '../limits';
import type { AuthLimits, RequestMeta } from '../trpc';

interface ThrottleContext {
  limiter: RateLimiter;
  limits: AuthLimits;
  meta: RequestMeta;
}

const ipKey = (ctx: ThrottleContext) => ctx.meta.ip ?? 'unknown';
/** Keyed by the email as typed (lower-cased), so unknown and known emails are throttled alike. */
const accountKey = (email: string) => `login:fail:${email.toLowerCase()}`;

/** Counts a login attempt from this IP and refuses once the account or the IP is over its limit. */
export async function throttleLogin(ctx: ThrottleContext, email: string): Promise<void> {
  const { loginAttemptsPerIp: perIp, loginFailuresPerAccount: perAccount } = ctx.limits;
  const fromIp = await ctx.limiter.hit(`login:ip:${ipKey(ctx)}`, perIp.max, perIp.windowMs);
  if (!fromIp.allowed) throw tooManyRequests(fromIp.retryAfterMs);
  const account = await ctx.limiter.peek(accountKey(email), perAccount.max, perAccount.windowMs);
  if (!account.allowed) throw tooManyRequests(account.retryAfterMs);
}

export async function countFailedLogin(ctx: ThrottleContext, email: string): Promise<void> {
  const { loginFailuresPerAccount: perAccount } = ctx.limits;
  await ctx.limiter.hit(accountKey(email), perAccount.max, perAccount.windowMs);
}

export async function forgetFailedLogins(ctx: ThrottleContext, email: string): Promise<void> {
  await ctx.limiter.reset(accountKey(email));
}

export async function throttleRegistration(ctx: ThrottleContext): Promise<void> {
  const { registrationsPerIp: perIp } = ctx.limits;
  const result = await ctx.limiter.hit(`register:ip:${ipKey(ctx)}`, perIp.max, perIp.windowMs);
  if (!result.allowed) throw tooManyRequests(result.retryAfterMs);
}
