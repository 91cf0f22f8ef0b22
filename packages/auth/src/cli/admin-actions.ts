// What the admin CLI does to the database, apart from argument parsing and prompting (so tests can call it).
import { and, type Database, eq, isNull, or, sql, users } from '@conduit/db';
import { recordAudit } from '../audit';
import { endSessions, type SessionCopies } from '../ending-sessions';
import { hashPassword } from '../passwords';

export type PromoteResult =
  | { outcome: 'unknown' }
  | { outcome: 'unchanged'; username: string }
  | { outcome: 'promoted'; username: string; from: string; endedSessions: number };

/**
 * Makes the user named by username or email (either case-insensitively) an admin, ending their
 * sessions; `copies` (the servers', reached through the database) forget them once committed.
 */
export async function promoteToAdmin(
  db: Database,
  usernameOrEmail: string,
  copies: SessionCopies,
): Promise<PromoteResult> {
  return endSessions(db, copies, async (tx, sessions) => {
    const [user] = await tx
      .select({ id: users.id, username: users.username, role: users.role })
      .from(users)
      .where(
        or(
          sql`lower(${users.username}) = lower(${usernameOrEmail})`,
          sql`lower(${users.email}) = lower(${usernameOrEmail})`,
        ),
      )
      .limit(1)
      .for('update');
    if (!user) return { outcome: 'unknown' };
    if (user.role === 'admin') return { outcome: 'unchanged', username: user.username };

    await tx
      .update(users)
      .set({ role: 'admin', updatedAt: new Date() })
      .where(eq(users.id, user.id));
    // A change of privilege starts new sessions (OWASP Session Management: renew on privilege change).
    const endedSessions = await sessions.end({ user: user.id });
    sessions.changedUser(user.id); // one started meanwhile carries the old role
    await recordAudit(tx, {
      action: 'admin.role.set',
      actorId: null,
      targetType: 'user',
      targetId: String(user.id),
      details: { from: user.role, to: 'admin', via: 'cli' },
    });
    return { outcome: 'promoted', username: user.username, from: user.role, endedSessions };
  });
}

export type CreateAdminResult =
  | { outcome: 'created'; id: number; username: string }
  | { outcome: 'taken'; field: 'email' | 'username' };

export async function createAdmin(
  db: Database,
  account: { email: string; username: string; password: string },
): Promise<CreateAdminResult> {
  // Hashed first: argon2 takes a while and the transaction need not wait for it.
  const passwordHash = await hashPassword(account.password);
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ email: users.email })
      .from(users)
      .where(
        or(
          sql`lower(${users.email}) = lower(${account.email})`,
          sql`lower(${users.username}) = lower(${account.username})`,
        ),
      )
      .limit(1);
    if (existing) {
      const sameEmail = existing.email.toLowerCase() === account.email.toLowerCase();
      return { outcome: 'taken', field: sameEmail ? 'email' : 'username' };
    }
    const [created] = await tx
      .insert(users)
      .values({ email: account.email, username: account.username, passwordHash, role: 'admin' })
      .returning({ id: users.id, username: users.username });
    if (!created) throw new Error('createAdmin: insert returned no row');
    await recordAudit(tx, {
      action: 'admin.role.set',
      actorId: null,
      targetType: 'user',
      targetId: String(created.id),
      details: { from: null, to: 'admin', via: 'cli' },
    });
    return { outcome: 'created', ...created };
  });
}

export type DisableResult =
  | { outcome: 'unknown' }
  | { outcome: 'unchanged'; username: string }
  | { outcome: 'last-admin'; username: string }
  | { outcome: 'changed'; username: string; endedSessions: number };

/**
 * Disables (or enables again) the account named by username or email, as admin.disableUser does
 * on the server (decision 021): sign-in refused, every session ended, the servers told to forget
 * their copies once committed; the content stays. The last active admin is never disabled.
 */
export async function setDisabled(
  db: Database,
  usernameOrEmail: string,
  disabled: boolean,
  copies: SessionCopies,
  reason?: string,
): Promise<DisableResult> {
  return endSessions(db, copies, async (tx, sessions) => {
    // The active admins first, in id order (as the server takes them), then the account's row.
    const admins = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)))
      .orderBy(users.id)
      .for('update');
    const [user] = await tx
      .select({ id: users.id, username: users.username, disabledAt: users.disabledAt })
      .from(users)
      .where(
        or(
          sql`lower(${users.username}) = lower(${usernameOrEmail})`,
          sql`lower(${users.email}) = lower(${usernameOrEmail})`,
        ),
      )
      .limit(1)
      .for('update');
    if (!user) return { outcome: 'unknown' };
    if ((user.disabledAt !== null) === disabled) {
      return { outcome: 'unchanged', username: user.username };
    }
    if (disabled && admins.length === 1 && admins[0]?.id === user.id) {
      return { outcome: 'last-admin', username: user.username };
    }
    await tx
      .update(users)
      .set({ disabledAt: disabled ? new Date() : null, updatedAt: new Date() })
      .where(eq(users.id, user.id));
    const endedSessions = disabled ? await sessions.end({ user: user.id }) : 0;
    await recordAudit(tx, {
      action: disabled ? 'admin.user.disable' : 'admin.user.enable',
      actorId: null,
      targetType: 'user',
      targetId: String(user.id),
      details: {
        username: user.username,
        via: 'cli',
        ...(disabled ? { endedSessions } : {}),
        ...(reason ? { reason } : {}),
      },
    });
    return { outcome: 'changed', username: user.username, endedSessions };
  });
}
