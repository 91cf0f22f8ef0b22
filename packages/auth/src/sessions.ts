// Database sessions the way the Lucia guide builds them: create, validate (with sliding renewal), list.
// Ending them is ending-sessions.ts's job: copies kept outside the database must go too.
import {
  and,
  type Database,
  desc,
  eq,
  foreignKeyViolation,
  gt,
  isNull,
  type Role,
  sessions,
  sql,
  users,
} from '@conduit/db';
import { cleanIp, cleanUserAgent } from './request-meta';
import { constantTimeEqual, generateSessionToken, hashSecret, parseSessionToken } from './tokens';

const DAY_MS = 24 * 60 * 60 * 1000;
export const SESSION_LIFETIME_MS = 30 * DAY_MS;
/** Renewed once half used, so an active user stays signed in and an idle one is out after 30 days. */
export const SESSION_RENEW_THRESHOLD_MS = 15 * DAY_MS;
/**
 * However active, a session ends this long after its sign-in (ASVS 5.0 V7.3.2, an absolute
 * lifetime): renewals never carry it past, and the holder signs in again.
 */
export const SESSION_ABSOLUTE_LIFETIME_MS = 90 * DAY_MS;
/** "Last used" is for the sessions list; a minute's precision spares a write on every request. */
export const LAST_USED_UPDATE_INTERVAL_MS = 60 * 1000;

export interface SessionRecord {
  id: string;
  userId: number;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  /** When the holder last proved who they are (a sign-in, or the password given again). */
  authenticatedAt: Date;
  expiresAt: Date;
}

/** The signed-in user as requests see it: never the password hash. */
export interface SessionUser {
  id: number;
  email: string;
  username: string;
  bio: string | null;
  image: string | null;
  role: Role;
  /** When the owner confirmed they read mail at `email`; null until they do. */
  emailVerifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const sessionColumns = {
  id: sessions.id,
  userId: sessions.userId,
  userAgent: sessions.userAgent,
  ip: sessions.ip,
  createdAt: sessions.createdAt,
  lastUsedAt: sessions.lastUsedAt,
  authenticatedAt: sessions.authenticatedAt,
  expiresAt: sessions.expiresAt,
};

/** The columns of a signed-in user (never the password hash); also how accounts are read elsewhere. */
export const sessionUserColumns = {
  id: users.id,
  email: users.email,
  username: users.username,
  bio: users.bio,
  image: users.image,
  role: users.role,
  emailVerifiedAt: users.emailVerifiedAt,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};

/** A new session (and so a new token) at every sign-in, which rules out session fixation. */
export async function createSession(
  db: Database,
  userId: number,
  meta: { userAgent?: string | undefined; ip?: string | undefined } = {},
): Promise<{ token: string; session: SessionRecord }> {
  const { id, secret, token } = generateSessionToken();
  const now = new Date();
  const [session] = await insertSession(userId, () =>
    db
      .insert(sessions)
      .values({
        id,
        secretHash: hashSecret(secret),
        userId,
        userAgent: cleanUserAgent(meta.userAgent),
        ip: cleanIp(meta.ip),
        createdAt: now,
        lastUsedAt: now,
        authenticatedAt: now,
        expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS),
      })
      .returning(sessionColumns),
  );
  if (!session) throw new Error('createSession: insert returned no row');
  return { token, session };
}

/** The account a session was being started for was deleted meanwhile (decision 021). */
export class AccountGoneError extends Error {
  override name = 'AccountGoneError';
  constructor(readonly userId: number) {
    super(`Account ${userId} no longer exists`);
  }
}

/** Runs the session's insert, saying a vanished account as such rather than as a failed query. */
async function insertSession<T>(userId: number, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (foreignKeyViolation(error)) throw new AccountGoneError(userId);
    throw error;
  }
}

/**
 * The session and user a token stands for, or null when it is malformed, unknown, forged or expired.
 * `fresh` means the expiry moved: the caller sends the cookie again with the new expiry.
 */
export async function validateSessionToken(
  db: Database,
  token: string,
  now: Date = new Date(),
): Promise<{ session: SessionRecord; user: SessionUser; fresh: boolean } | null> {
  const parts = parseSessionToken(token);
  if (!parts) return null;
  const [row] = await db
    .select({ session: sessionColumns, secretHash: sessions.secretHash, user: sessionUserColumns })
    .from(sessions)
    // A disabled account's sessions are ended when it is disabled; this also refuses any left.
    .innerJoin(users, and(eq(users.id, sessions.userId), isNull(users.disabledAt)))
    .where(eq(sessions.id, parts.id))
    .limit(1);
  // A wrong secret leaves the session alone: ids are shown in the sessions list, so deleting on a
  // mismatch would let anyone who saw one sign its owner out.
  if (!row || !constantTimeEqual(hashSecret(parts.secret), row.secretHash)) return null;

  const { session, user } = row;
  if (now.getTime() >= session.expiresAt.getTime()) {
    // Nothing to forget elsewhere: a copy of an expired session is refused as this one was.
    await db.delete(sessions).where(eq(sessions.id, session.id));
    return null;
  }
  const renewedExpiry = Math.min(
    now.getTime() + SESSION_LIFETIME_MS,
    session.createdAt.getTime() + SESSION_ABSOLUTE_LIFETIME_MS,
  );
  const fresh =
    session.expiresAt.getTime() - now.getTime() < SESSION_RENEW_THRESHOLD_MS &&
    renewedExpiry > session.expiresAt.getTime();
  const touch = now.getTime() - session.lastUsedAt.getTime() >= LAST_USED_UPDATE_INTERVAL_MS;
  if (!fresh && !touch) return { session, user, fresh };

  const changes = {
    ...(fresh && { expiresAt: new Date(renewedExpiry) }),
    ...(touch && { lastUsedAt: now }),
  };
  const [updated] = await db
    .update(sessions)
    .set(changes)
    .where(eq(sessions.id, session.id))
    .returning(sessionColumns);
  // Ended by a concurrent request between the read and the write: treat it as gone.
  if (!updated) return null;
  return { session: updated, user, fresh };
}

/** The user's live sessions, most recently used first. */
export async function listUserSessions(
  db: Database,
  userId: number,
  now: Date = new Date(),
): Promise<SessionRecord[]> {
  return db
    .select(sessionColumns)
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt), desc(sessions.id));
}

/** Deletes the sessions that have expired (validation also deletes them one by one when seen). */
export async function purgeExpiredSessions(db: Database, now: Date = new Date()): Promise<number> {
  const purged = await db
    .delete(sessions)
    .where(sql`${sessions.expiresAt} <= ${sql.param(now, sessions.expiresAt)}`)
    .returning({ id: sessions.id });
  return purged.length;
}

/** The holder just proved who they are again (the password given for a sensitive change). */
export async function markSessionAuthenticated(
  db: Database,
  sessionId: string,
  now: Date = new Date(),
): Promise<void> {
  await db.update(sessions).set({ authenticatedAt: now }).where(eq(sessions.id, sessionId));
}
