// Signing in with a second factor: after the right password, a pending sign-in (a single-use
// account token, valid minutes) instead of a session; then a code or a recovery code turns it
// into a session. Wrong codes are throttled per pending sign-in and per account.
import {
  issueAccountToken,
  parseSessionToken,
  peekAccountToken,
  useAccountToken,
} from '@conduit/auth';
import { and, eq, isNull, users } from '@conduit/db';
import { TRPCError } from '@trpc/server';
import type { Context } from '../context';
import { invalidFields, secondFactorRequired, tooManyRequests } from '../errors';
import { type Account, accountColumns } from './accounts';
import { audit } from './audit';
import { guarded, throttleLogin } from './throttle';
import { recoveryCodesLeft, useRecoveryCode } from './two-factor-recovery';
import { acceptTotpCode } from './two-factor-totp';

const MINUTE = 60_000;
/** Long enough to open an app and type a code; short enough that a stolen one soon dies. */
export const PENDING_SIGN_IN_TTL_MS = 5 * MINUTE;
/**
 * Wrong codes allowed: per pending sign-in (then it is dead and the password is needed again),
 * and per account whatever the pending sign-in, since whoever has the password can start new ones.
 * With three codes valid at a time (±1 step), 50 guesses a day give a guesser about one chance in
 * 6,700 a day of passing; NIST SP 800-63B asks for at most 100 consecutive failures.
 */
export const SECOND_FACTOR_LIMITS = {
  perPendingSignIn: 5,
  perAccount: { max: 10, windowMs: 15 * MINUTE },
  perAccountPerDay: { max: 50, windowMs: 24 * 60 * MINUTE },
};

type Counter = { key: string; max: number; windowMs: number };
function countersFor(userId: number, tokenId: string): Counter[] {
  const { perPendingSignIn, perAccount, perAccountPerDay } = SECOND_FACTOR_LIMITS;
  return [
    { key: `2fa:pending:${tokenId}`, max: perPendingSignIn, windowMs: PENDING_SIGN_IN_TTL_MS },
    { key: `2fa:fail:${userId}`, ...perAccount },
    { key: `2fa:fail-day:${userId}`, ...perAccountPerDay },
  ];
}

/**
 * Called by `auth.login` once the password is right: when the account has a second factor on, no
 * session is made; a pending sign-in is, and handed back in the error `secondFactorRequired`.
 * A newer pending sign-in voids the older one (account tokens: the newest wins).
 */
export async function requireSecondFactor(
  ctx: Context,
  account: { id: number; totpEnabledAt: Date | null },
): Promise<void> {
  if (!account.totpEnabledAt) return;
  const userId = account.id;
  const { token, expiresAt } = await issueAccountToken(ctx.db, {
    userId,
    purpose: 'second_factor',
    ttlMs: PENDING_SIGN_IN_TTL_MS,
    now: ctx.now(),
  });
  await audit(ctx, { action: 'auth.second_factor.required', actorId: userId });
  throw secondFactorRequired({ token, expiresAt: expiresAt.toISOString() });
}

const pendingGone = () =>
  new TRPCError({
    code: 'UNAUTHORIZED',
    message: 'This sign-in has expired or was already used: sign in again with your password',
  });

export interface SecondFactorProof {
  token: string;
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

/**
 * Checks the second factor of a pending sign-in and, when right, uses the pending sign-in up and
 * returns the account to start a session for. The code and the pending sign-in are used in one
 * transaction: a recovery code is never spent on a sign-in that then fails.
 */
export async function passSecondFactor(ctx: Context, proof: SecondFactorProof): Promise<Account> {
  const now = ctx.now();
  const parts = parseSessionToken(proof.token);
  const pending = parts && (await peekAccountToken(ctx.db, proof.token, 'second_factor', now));
  if (!parts || !pending) throw pendingGone();
  const [account] = await ctx.db
    .select({ ...accountColumns, secret: users.totpSecret, enabledAt: users.totpEnabledAt })
    .from(users)
    .where(and(eq(users.id, pending.userId), isNull(users.disabledAt)));
  // Turned off (or the account disabled) since the password step: start again.
  const secret = account?.secret;
  if (!account?.enabledAt || !secret) throw pendingGone();

  await throttleLogin(ctx, account.email);
  const counters = countersFor(account.id, parts.id);
  await refuseWhenSpent(ctx, counters, proof.token);

  const method = proof.code !== undefined ? 'totp' : 'recovery_code';
  const passed = await ctx.db.transaction(async (tx) => {
    const right =
      proof.code !== undefined
        ? (await acceptTotpCode(tx, account.id, secret, proof.code, now)) !== null
        : await useRecoveryCode(tx, account.id, proof.recoveryCode ?? '', now);
    if (!right) return false;
    // Rolls the code's use back when another request used the pending sign-in first.
    if (!(await useAccountToken(tx, proof.token, 'second_factor', now))) throw pendingGone();
    return true;
  });
  if (!passed) await wrongCode(ctx, counters, proof.token, account.id, method);

  const limiter = guarded(ctx.limiter);
  for (const counter of counters.slice(1)) await limiter.reset(counter.key);
  const { secret: _secret, enabledAt: _enabledAt, ...signedIn } = account;
  const details: Record<string, unknown> = { secondFactor: method };
  if (method === 'recovery_code')
    details.recoveryCodesLeft = await recoveryCodesLeft(ctx.db, account.id);
  await audit(ctx, { action: 'auth.login.ok', actorId: account.id, details });
  return signedIn;
}

/** Before checking a code: a pending sign-in out of tries is dead; an account out of them waits. */
async function refuseWhenSpent(ctx: Context, counters: Counter[], token: string): Promise<void> {
  const limiter = guarded(ctx.limiter);
  const [perToken, ...perAccount] = counters;
  if (perToken) {
    const state = await limiter.peek(perToken.key, perToken.max, perToken.windowMs);
    if (!state.allowed) {
      await useAccountToken(ctx.db, token, 'second_factor', ctx.now());
      throw pendingGone();
    }
  }
  for (const counter of perAccount) {
    const state = await limiter.peek(counter.key, counter.max, counter.windowMs);
    if (!state.allowed) throw tooManyRequests(state.retryAfterMs);
  }
}

/** Counts a wrong code, audits it, and kills the pending sign-in on its last try. */
async function wrongCode(
  ctx: Context,
  counters: Counter[],
  token: string,
  userId: number,
  method: 'totp' | 'recovery_code',
): Promise<never> {
  const limiter = guarded(ctx.limiter);
  const results = [];
  for (const counter of counters)
    results.push(await limiter.hit(counter.key, counter.max, counter.windowMs));
  const triesLeft = results[0]?.remaining ?? 0;
  if (triesLeft <= 0) await useAccountToken(ctx.db, token, 'second_factor', ctx.now());
  await audit(ctx, {
    action: 'auth.second_factor.failed',
    actorId: userId,
    details: { method, triesLeft: Number.isFinite(triesLeft) ? triesLeft : null },
  });
  const field = method === 'totp' ? 'code' : 'recoveryCode';
  const message =
    triesLeft <= 0
      ? 'is incorrect, and that was the last try: sign in again with your password'
      : method === 'totp'
        ? 'is incorrect or was already used'
        : 'is not one of your unused recovery codes';
  throw invalidFields({ [field]: [message] });
}
