// Leaving and being removed (issue 14, decision 021): a user deleting their own account, and an
// admin disabling or enabling someone's. Every session of the account ends at once, through
// endSessions, so the copies kept in the session cache go with them once the change commits.
import { endSessions } from '@conduit/auth';
import { and, comments, count, type Database, eq, isNull, not, sql, users } from '@conduit/db';
import { TRPCError } from '@trpc/server';
import type { Context } from '../context';
import { sessionCopiesIn } from '../session-cache';
import { findAccountByUsername } from './accounts';
import { queueArticleWrites } from './articles';
import { audit } from './audit';

type SignedIn = Context & { viewer: NonNullable<Context['viewer']> };

export interface DeletedAccount {
  username: string;
  articles: number;
  comments: number;
  endedSessions: number;
}

/**
 * Deletes the signed-in user's account and, by the foreign keys' cascades, everything that is
 * theirs: sessions, follows both ways, favorites, articles (with their comments, favorites and tag
 * links) and comments. The audit entry is written in the same transaction: both, or neither.
 *
 * Locks, in the one order every writer here takes them (decision 014, and 021):
 * 1. the site's `counters` row: the cascade removes articles, whose writers all queue there first;
 *    taken after the account's row instead, it would deadlock with an article this account is
 *    writing at the same moment (its insert holds the queue, then wants the author's row);
 * 2. the active admins' rows, when the one leaving is an admin (the last one may not leave);
 * 3. the account's row, so no session starts while its sessions are ended (a sign-in's insert
 *    waits, then finds the account gone);
 * 4. its sessions, then the row's removal and its cascades.
 * Others favoriting, commenting or following the account's content meanwhile either finish first
 * or find it gone (a 404), never a deadlock: each of their writes is one statement.
 */
export async function deleteAccount(ctx: SignedIn): Promise<DeletedAccount> {
  const { user } = ctx.viewer;
  return endSessions(ctx.db, sessionCopiesIn(ctx.cache), async (tx, sessions) => {
    await queueArticleWrites(tx);
    if (user.role === 'admin') {
      await refuseLastAdmin(
        tx,
        user.id,
        'You are the only admin: make someone else an admin first',
      );
    }
    const [account] = await tx
      .select({ username: users.username, articles: users.articlesCount })
      .from(users)
      .where(eq(users.id, user.id))
      .for('update');
    if (!account) throw new TRPCError({ code: 'NOT_FOUND', message: 'The account is gone' });
    const [written] = await tx
      .select({ comments: count() })
      .from(comments)
      .where(eq(comments.authorId, user.id));
    const endedSessions = await sessions.end({ user: user.id });
    await tx.delete(users).where(eq(users.id, user.id));
    const deleted = { ...account, comments: written?.comments ?? 0, endedSessions };
    // The actor is gone with the account: the entry names it by id (the target) and username.
    await audit(
      { db: tx, meta: ctx.meta },
      {
        action: 'user.delete',
        actorId: null,
        targetType: 'user',
        targetId: String(user.id),
        details: { ...deleted, by: 'self' },
      },
    );
    return deleted;
  });
}

/**
 * Refuses (403) when `leaving` is the only active admin. Takes the active admins' rows in id order,
 * so two admins leaving or disabling each other at once are serialised here and one of them sees
 * the other gone: the site is never left without an admin.
 */
async function refuseLastAdmin(tx: Database, leaving: number, message: string): Promise<void> {
  const admins = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)))
    .orderBy(users.id)
    .for('update');
  if (admins.length === 1 && admins[0]?.id === leaving) {
    throw new TRPCError({ code: 'FORBIDDEN', message });
  }
}

export interface DisabledChange {
  username: string;
  disabled: boolean;
  /** False when the account already was as asked (nothing written, nothing audited). */
  changed: boolean;
  endedSessions: number;
}

/**
 * An admin disables (or enables again) someone's account. Disabled: sign-in is refused and every
 * session ends now (the cached copies too, once committed); articles and comments stay readable.
 * Admins cannot disable themselves, and the last active admin cannot be disabled.
 */
export async function setAccountDisabled(
  ctx: SignedIn,
  input: { username: string; disabled: boolean; reason?: string | undefined },
): Promise<DisabledChange> {
  const target = await findAccountByUsername(ctx.db, input.username);
  if (!target) {
    throw new TRPCError({ code: 'NOT_FOUND', message: `No user named ${input.username}` });
  }
  if (target.id === ctx.viewer.user.id) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Admins cannot disable their own account' });
  }
  const copies = sessionCopiesIn(ctx.cache);
  const result = await endSessions(ctx.db, copies, async (tx, sessions) => {
    if (input.disabled && target.role === 'admin') {
      await refuseLastAdmin(tx, target.id, 'The last active admin cannot be disabled');
    }
    // Only a change is written: disabling twice keeps the first time, and audits once.
    const changed = await tx
      .update(users)
      .set({ disabledAt: input.disabled ? ctx.now() : null, updatedAt: sql`now()` })
      .where(
        and(
          eq(users.id, target.id),
          input.disabled ? isNull(users.disabledAt) : not(isNull(users.disabledAt)),
        ),
      )
      .returning({ id: users.id });
    const endedSessions = input.disabled ? await sessions.end({ user: target.id }) : 0;
    // A session begun while this ran is refused from the database (validateSessionToken joins on
    // an enabled account); a copy of it made before the commit must not outlive it.
    sessions.changedUser(target.id);
    return { changed: changed.length > 0, endedSessions };
  });
  if (result.changed) {
    await audit(ctx, {
      action: input.disabled ? 'admin.user.disable' : 'admin.user.enable',
      actorId: ctx.viewer.user.id,
      targetType: 'user',
      targetId: String(target.id),
      details: {
        username: target.username,
        ...(input.disabled ? { endedSessions: result.endedSessions } : {}),
        ...(input.reason ? { reason: input.reason } : {}),
      },
    });
  }
  return { username: target.username, disabled: input.disabled, ...result };
}

/**
 * For sign-in, once the password proved right: a disabled account is refused with a 403 that says
 * so. Only then, so that nobody without the password learns which accounts are disabled; the
 * attempt is audited as a failed login.
 */
export async function refuseIfDisabled(
  ctx: Pick<Context, 'db' | 'meta'>,
  account: { id: number; email: string; disabledAt: Date | null },
): Promise<void> {
  if (!account.disabledAt) return;
  await audit(ctx, {
    action: 'auth.login.failed',
    actorId: account.id,
    details: { email: account.email.toLowerCase(), reason: 'account disabled' },
  });
  throw new TRPCError({ code: 'FORBIDDEN', message: 'This account is disabled' });
}
