// Ending sessions, in the one order that is safe with copies of sessions kept outside the database
// (the api layer's session cache): the deletion commits first, and only then are the copies
// dropped. The other order lets a request from an ending session, arriving in between, copy it
// back from a database that still holds it; the copy then outlives the session by the cache's
// time to live. Every procedure that ends sessions, and the admin CLI, goes through endSessions.
//
// Caches belong to the api layer, above this one, so they are reached through `SessionCopies`,
// which the caller supplies: the api layer drops its cached copies, the admin CLI (which holds no
// cache) announces the ended sessions to the servers through the database (session-notices.ts).
import { and, type Database, eq, isTransaction, ne, sessions } from '@conduit/db';
import { listUserSessions } from './sessions';

/** Whoever keeps copies of sessions outside the database. */
export interface SessionCopies {
  /**
   * Drops every copy of these sessions, so the next request presenting one asks the database.
   * Called only once the change to them has committed.
   */
  forget(sessionIds: readonly string[]): Promise<void>;
}

/** Nobody keeps copies: scripts and tests that talk to the database alone. */
export const noSessionCopies: SessionCopies = { forget: async () => {} };

/** One session (sign-out, revocation), or every session of a user but perhaps one. */
export type SessionsToEnd = { session: string } | { user: number; except?: string | undefined };

/** What the work of `endSessions` may do to sessions, in its transaction. */
export interface SessionChanges {
  /** Deletes the sessions `which` names; how many there were. */
  end(which: SessionsToEnd): Promise<number>;
  /**
   * Says the user's data that sessions carry (username, email, role) changed: copies of the
   * sessions they still have are dropped too, and reload.
   */
  changedUser(userId: number): void;
}

/**
 * Runs `work` in a transaction, then, once it committed, has `copies` forget the sessions it ended
 * and those of the users it changed (listed after the commit, so that one signed in meanwhile is
 * included). Nothing is forgotten when `work` throws: the transaction rolled back, nothing ended.
 *
 * `db` must be the database, not a transaction: in one, "committed" would be the outer
 * transaction's business, and copies forgotten before it commits could be copied back.
 */
export async function endSessions<T>(
  db: Database,
  copies: SessionCopies,
  work: (tx: Database, sessions: SessionChanges) => Promise<T>,
): Promise<T> {
  if (isTransaction(db)) {
    throw new Error(
      'endSessions needs the database, not a transaction: it forgets after its commit',
    );
  }
  const ended: string[] = [];
  const changedUsers = new Set<number>();
  const result = await db.transaction((tx) =>
    work(tx, {
      async end(which) {
        const ids = await deleteSessions(tx, which);
        ended.push(...ids);
        return ids.length;
      },
      changedUser(userId) {
        changedUsers.add(userId);
      },
    }),
  );
  const remaining = await Promise.all(
    [...changedUsers].map(async (userId) =>
      (await listUserSessions(db, userId)).map((session) => session.id),
    ),
  );
  const forgotten = [...new Set([...ended, ...remaining.flat()])];
  if (forgotten.length > 0) await copies.forget(forgotten);
  return result;
}

async function deleteSessions(tx: Database, which: SessionsToEnd): Promise<string[]> {
  const where =
    'session' in which
      ? eq(sessions.id, which.session)
      : and(
          eq(sessions.userId, which.user),
          which.except === undefined ? undefined : ne(sessions.id, which.except),
        );
  const deleted = await tx.delete(sessions).where(where).returning({ id: sessions.id });
  return deleted.map((row) => row.id);
}
