// Throttles on passkey sign-in. A signature cannot be guessed, so these are against floods: each
// options call stores a challenge and each answer costs a signature check. They share the
// password sign-in's counters per IP (attempts, failures), so switching method buys nothing.
import { tooManyRequests } from '../errors';
import { failedFromIpKey, guarded, ipKey, type ThrottleContext } from './throttle';

/** Counts a sign-in attempt (options asked for) from this IP; refuses past the attempts' limit. */
export async function throttlePasskeyAttempt(ctx: ThrottleContext): Promise<void> {
  const { loginAttemptsPerIp: perIp } = ctx.limits;
  const result = await guarded(ctx.limiter).hit(
    `login:ip:${ipKey(ctx)}`,
    perIp.max,
    perIp.windowMs,
  );
  if (!result.allowed) throw tooManyRequests(result.retryAfterMs);
}

/** Refuses an answer from an IP whose failures are past their limit. */
export async function throttlePasskeyAnswer(ctx: ThrottleContext): Promise<void> {
  const { loginFailuresPerIp: perIp } = ctx.limits;
  const result = await guarded(ctx.limiter).peek(failedFromIpKey(ctx), perIp.max, perIp.windowMs);
  if (!result.allowed) throw tooManyRequests(result.retryAfterMs);
}

/** A refused answer: counted for the IP, as a wrong password is. */
export async function countFailedPasskeyAnswer(ctx: ThrottleContext): Promise<void> {
  const { loginFailuresPerIp: perIp } = ctx.limits;
  await guarded(ctx.limiter).hit(failedFromIpKey(ctx), perIp.max, perIp.windowMs);
}
