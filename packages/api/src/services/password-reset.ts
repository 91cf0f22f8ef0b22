// Password reset by mail (decision 019; OWASP Forgot Password cheat sheet, the Copenhagen Book).
// Asking answers the same, with the same status and in about the same time, whether or not an
// account has the address; using the link sets the password, ends every session and signs nobody
// in: the user then signs in with the new password (and a second factor, if they have one).
import {
  endSessions,
  hashPassword,
  issueAccountToken,
  peekAccountToken,
  revokeAccessTokens,
  useAccountToken,
} from '@conduit/auth';
import { and, emailIs, eq, isNull, users } from '@conduit/db';
import { queueMail } from '@conduit/mail';
import type { Context } from '../context';
import { sessionCopiesIn } from '../session-cache';
import { accountLink, tokenLifetimesMs } from './account-links';
import { audit } from './audit';
import { badLink } from './email-verification';
import { throttlePasswordReset } from './recovery-throttle';
import { forgetFailedLogins } from './throttle';

/**
 * Every request takes at least this long, known address or not. The work for a known one (a token,
 * a queued mail) takes a few milliseconds and is done inside the floor, so timing tells nothing;
 * the mail itself is sent later by the outbox's sender, never by the request.
 */
export const RESET_ANSWER_FLOOR_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function requestPasswordReset(ctx: Context, email: string): Promise<void> {
  const floorMs = ctx.accounts.resetAnswerFloorMs ?? RESET_ANSWER_FLOOR_MS;
  const started = performance.now();
  await throttlePasswordReset(ctx, email);
  try {
    const [account] = await ctx.db
      .select({ id: users.id, email: users.email, username: users.username })
      .from(users)
      // A disabled account gets no link: it could not sign in with the new password anyway.
      .where(and(emailIs(email), isNull(users.disabledAt)));
    if (account) {
      const ttlMs = tokenLifetimesMs.password_reset;
      await ctx.db.transaction(async (tx) => {
        const { token } = await issueAccountToken(tx, {
          userId: account.id,
          purpose: 'password_reset',
          ttlMs,
          // The address the link goes to: the account's own, never the one typed.
          email: account.email,
          now: ctx.now(),
        });
        await queueMail(tx, {
          to: account.email,
          template: 'password-reset',
          data: {
            username: account.username,
            link: accountLink(ctx.accounts, 'password_reset', token),
            expiresInMinutes: Math.round(ttlMs / 60_000),
          },
        });
      });
    }
    // Written for either, as failed logins are: the same work both ways, and a trail of probing.
    await audit(ctx, {
      action: 'auth.password.reset_requested',
      actorId: account?.id ?? null,
      details: { email: email.toLowerCase(), known: account !== undefined },
    });
  } finally {
    // A timer can fire up to a millisecond early by performance.now() (the event loop's clock
    // counts whole milliseconds), so the floor is checked again after each sleep.
    const left = () => floorMs - (performance.now() - started);
    while (left() > 0) await sleep(Math.ceil(left()));
  }
}

/** Whether a reset link still works, without using it (the page says so before asking). */
export async function resetTokenWorks(ctx: Context, token: string): Promise<boolean> {
  return (await peekAccountToken(ctx.db, token, 'password_reset', ctx.now())) !== null;
}

export async function resetPassword(ctx: Context, token: string, password: string) {
  const now = ctx.now();
  // Checked first so a dead link costs no password hashing.
  if (!(await peekAccountToken(ctx.db, token, 'password_reset', now))) throw badLink();
  const passwordHash = await hashPassword(password);
  const { account, ended, revokedPats, verified } = await endSessions(
    ctx.db,
    sessionCopiesIn(ctx.cache),
    async (tx, sessions) => {
      const used = await useAccountToken(tx, token, 'password_reset', now);
      if (!used) throw badLink();
      const [account] = await tx
        .select({
          id: users.id,
          email: users.email,
          username: users.username,
          verifiedAt: users.emailVerifiedAt,
        })
        .from(users)
        .where(eq(users.id, used.userId));
      if (!account) throw badLink();
      // The link proved the mailbox it was sent to; if that is still the account's address, it is
      // verified now (an email change since then invalidates reset links anyway).
      const verified =
        !account.verifiedAt && used.email?.toLowerCase() === account.email.toLowerCase();
      await tx
        .update(users)
        .set({ passwordHash, updatedAt: now, ...(verified ? { emailVerifiedAt: now } : {}) })
        .where(eq(users.id, account.id));
      // Every session: whoever used the old password is out, and so is the one who reset it.
      const ended = await sessions.end({ user: account.id });
      // And every personal access token: a reset is how an owner takes a taken account back,
      // and tokens made meanwhile must not outlive it (decision 028; a password change keeps them).
      const revokedPats = (await revokeAccessTokens(tx, { user: account.id }, now)).length;
      await queueMail(tx, {
        to: account.email,
        template: 'password-changed',
        data: { username: account.username },
      });
      return { account, ended, revokedPats, verified };
    },
  );
  if (ctx.viewer?.user.id === account.id) ctx.sessionCookie.clear();
  // Someone locked out by guesses at the old password can sign in with the new one at once.
  await forgetFailedLogins(ctx, account.email);
  await audit(ctx, {
    action: 'auth.password.reset',
    actorId: account.id,
    targetType: 'user',
    targetId: String(account.id),
    details: { endedSessions: ended, revokedPats, emailVerified: verified },
  });
}
