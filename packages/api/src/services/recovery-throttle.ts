// Throttles on what sends mail on request (decision 019): password resets per IP and per typed
// address, and verification mails an account asks for again. They keep a mailbox from being
// flooded and the reset form from being used to test addresses in bulk.

import type { AuthLimits, Limit, RequestMeta } from '../context';
import { tooManyRequests } from '../errors';
import { clientKey, type RateLimiter } from '../limits';
import { guarded } from './throttle';

interface ThrottleContext {
  limiter: RateLimiter;
  limits: AuthLimits;
  meta: RequestMeta;
}

async function hit(ctx: ThrottleContext, key: string, limit: Limit): Promise<void> {
  const result = await guarded(ctx.limiter).hit(key, limit.max, limit.windowMs);
  if (!result.allowed) throw tooManyRequests(result.retryAfterMs);
}

/**
 * Counts a reset request from this IP and for this address. The address is counted as typed
 * (lower-cased) whether or not an account has it, so a 429 says nothing about who has an account.
 */
export async function throttlePasswordReset(ctx: ThrottleContext, email: string): Promise<void> {
  await hit(ctx, `reset:ip:${clientKey(ctx.meta.ip ?? 'unknown')}`, ctx.limits.passwordResetsPerIp);
  await hit(ctx, `reset:addr:${email.toLowerCase()}`, ctx.limits.passwordResetsPerAddress);
}

export async function throttleVerificationMail(
  ctx: ThrottleContext,
  userId: number,
): Promise<void> {
  await hit(ctx, `verify:user:${userId}`, ctx.limits.verificationMailsPerAccount);
}
