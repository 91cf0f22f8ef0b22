// Addresses proved by a mailed link (decision 019): verification after sign-up, and an email
// change, which takes effect only once the new address is proved; the old address is told.
import { endSessions, issueAccountToken, useAccountToken } from '@conduit/auth';
import {
  accountTokens,
  and,
  type Database,
  emailIs,
  eq,
  inArray,
  isNull,
  ne,
  uniqueViolation,
  users,
} from '@conduit/db';
import { queueMail } from '@conduit/mail';
import type { AccountSettings, Context } from '../context';
import { conflict, invalidFields } from '../errors';
import { sessionCopiesIn } from '../session-cache';
import { accountLink, tokenLifetimesMs } from './account-links';

interface MailContext {
  accounts: AccountSettings;
  now: () => Date;
}

interface Mailbox {
  id: number;
  email: string;
  username: string;
}

const hours = (ms: number) => Math.round(ms / 3_600_000);

/** The one refusal for a link that is unknown, used, replaced by a newer one, or expired. */
export const badLink = () =>
  invalidFields({ token: ['is invalid or has expired: ask for a new link'] });

/** Issues a verification link for the account's address and queues it, in `db`'s transaction. */
export async function queueEmailVerification(
  db: Database,
  ctx: MailContext,
  account: Mailbox,
): Promise<void> {
  const ttlMs = tokenLifetimesMs.email_verification;
  const { token } = await issueAccountToken(db, {
    userId: account.id,
    purpose: 'email_verification',
    ttlMs,
    email: account.email,
    now: ctx.now(),
  });
  await queueMail(db, {
    to: account.email,
    template: 'email-verification',
    data: {
      username: account.username,
      link: accountLink(ctx.accounts, 'email_verification', token),
      expiresInHours: hours(ttlMs),
    },
  });
}

/**
 * Marks the address verified. The link names the address it was sent to: once the account's
 * address is another, the link proves nothing about it and is refused.
 */
export async function verifyEmail(ctx: Context, token: string) {
  const now = ctx.now();
  return endSessions(ctx.db, sessionCopiesIn(ctx.cache), async (tx, sessions) => {
    const used = await useAccountToken(tx, token, 'email_verification', now);
    if (!used) throw badLink();
    const [account] = await tx
      .select({ id: users.id, email: users.email, verifiedAt: users.emailVerifiedAt })
      .from(users)
      .where(eq(users.id, used.userId));
    if (!account || used.email?.toLowerCase() !== account.email.toLowerCase()) {
      throw invalidFields({
        token: ['was sent to an address that is no longer this account’s: ask for a new link'],
      });
    }
    if (!account.verifiedAt) {
      await tx.update(users).set({ emailVerifiedAt: now }).where(eq(users.id, account.id));
    }
    // Cached sessions carry the user without the mark: they reload.
    sessions.changedUser(account.id);
    return { userId: account.id, email: account.email };
  });
}

/**
 * Starts an email change (sudo mode was checked by the caller): refuses a taken address as
 * before, then mails a link to the new address. Nothing changes until it is opened.
 */
export async function requestEmailChange(
  db: Database,
  ctx: MailContext,
  account: Mailbox,
  newEmail: string,
): Promise<void> {
  const [taken] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(emailIs(newEmail), ne(users.id, account.id)));
  if (taken) throw conflict({ email: ['is already taken'] });
  const ttlMs = tokenLifetimesMs.email_change;
  const { token } = await issueAccountToken(db, {
    userId: account.id,
    purpose: 'email_change',
    ttlMs,
    email: newEmail,
    now: ctx.now(),
  });
  await queueMail(db, {
    to: newEmail,
    template: 'email-change',
    data: {
      username: account.username,
      link: accountLink(ctx.accounts, 'email_change', token),
      newEmail,
      expiresInHours: hours(ttlMs),
    },
  });
}

/**
 * Makes a requested email change take effect: the new address is verified (the link proved it),
 * links still out for the old address stop working, and the old address is told.
 */
export async function confirmEmailChange(ctx: Context, token: string) {
  const now = ctx.now();
  return endSessions(ctx.db, sessionCopiesIn(ctx.cache), async (tx, sessions) => {
    const used = await useAccountToken(tx, token, 'email_change', now);
    if (!used?.email) throw badLink();
    const newEmail = used.email;
    const [account] = await tx
      .select({ id: users.id, email: users.email, username: users.username })
      .from(users)
      .where(eq(users.id, used.userId));
    if (!account) throw badLink();
    // Someone may have taken the address since the change was asked for.
    const [taken] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(emailIs(newEmail), ne(users.id, account.id)));
    if (taken) throw conflict({ email: ['is already taken'] });
    try {
      await tx
        .update(users)
        .set({ email: newEmail, emailVerifiedAt: now, updatedAt: now })
        .where(eq(users.id, account.id));
    } catch (error) {
      if (uniqueViolation(error)) throw conflict({ email: ['is already taken'] });
      throw error;
    }
    await tx
      .update(accountTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(accountTokens.userId, account.id),
          inArray(accountTokens.purpose, ['email_verification', 'password_reset']),
          isNull(accountTokens.usedAt),
        ),
      );
    await queueMail(tx, {
      to: account.email,
      template: 'email-changed',
      data: { username: account.username, newEmail },
    });
    sessions.changedUser(account.id);
    return { userId: account.id, from: account.email, to: newEmail };
  });
}
