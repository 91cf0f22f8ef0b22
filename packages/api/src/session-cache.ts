// Who is calling, without a database query on every request: a validated session (and its user)
// is kept in the hot-read cache for the store's time to live, under a key made from the whole
// token, so a hit means the same secret was presented.
//
// Each session has a namespace of its own, `session:<id>`: the id is the token's public half, so
// it is known before the lookup. Ending sessions, or changing what a request knows of their user
// (a password, profile or role change), bumps the namespaces of exactly those sessions, and
// everybody else's stay cached. Those writes go through the auth layer's endSessions, which
// deletes and commits first and only then has `sessionCopiesIn(cache)` forget the copies: in the
// other order a request arriving in between would copy a session back from a database that still
// held it. Sessions ended by the admin CLI, which holds no cache, are announced through the
// database, and every server drops its copies (`forgetSessionsEndedElsewhere`).
//
// On a miss the database answers exactly as without a cache, renewing the session when due
// (`fresh`, so the cookie is sent again). A hit never renews: its copy was renewed when stored,
// at most one time to live ago. What changes sessions outside the server and the CLI (psql) is
// seen once the copies expire.
import {
  hashSecret,
  onSessionsEnded,
  parseSessionToken,
  type SessionCopies,
  type SessionRecord,
  type SessionUser,
  validateSessionToken,
} from '@conduit/auth';
import { type Database, type PubSub, unlistenWithin } from '@conduit/db';
import { type CacheStore, cached, invalidate } from './cache';

/** The namespace of one session's cached copy. */
const sessionNamespace = (sessionId: string) => `session:${sessionId}`;

export type ValidatedSession = NonNullable<Awaited<ReturnType<typeof validateSessionToken>>>;

/** Thrown by the loader so that an unknown token is never stored (nobody floods the cache). */
class NoSession extends Error {}

interface Stored {
  session: Omit<SessionRecord, 'createdAt' | 'lastUsedAt' | 'authenticatedAt' | 'expiresAt'> & {
    createdAt: string;
    lastUsedAt: string;
    authenticatedAt: string;
    expiresAt: string;
  };
  user: Omit<SessionUser, 'emailVerifiedAt' | 'createdAt' | 'updatedAt'> & {
    emailVerifiedAt: string | null;
    createdAt: string;
    updatedAt: string;
  };
}

export async function lookUpSession(
  db: Database,
  cache: CacheStore,
  token: string,
  now: Date = new Date(),
): Promise<ValidatedSession | null> {
  const parts = parseSessionToken(token);
  if (!parts) return null;
  const key = Buffer.from(hashSecret(parts.secret)).toString('base64url');
  let fromDatabase: ValidatedSession | undefined;
  let stored: Stored;
  try {
    stored = await cached(cache, sessionNamespace(parts.id), key, async () => {
      const found = await validateSessionToken(db, token, now);
      if (!found) throw new NoSession();
      fromDatabase = found;
      return found as unknown as Stored; // JSON turns its dates into strings
    });
  } catch (error) {
    if (error instanceof NoSession) return null;
    throw error;
  }
  if (fromDatabase) return fromDatabase;
  const hit = revive(stored);
  // Expired while kept: the database refuses it and deletes it.
  if (hit.session.expiresAt.getTime() <= now.getTime()) return validateSessionToken(db, token, now);
  return { ...hit, fresh: false };
}

/** The session copies in `cache`, for the auth layer's endSessions to forget after its commit. */
export function sessionCopiesIn(cache: CacheStore): SessionCopies {
  return { forget: (sessionIds) => invalidate(cache, ...sessionIds.map(sessionNamespace)) };
}

/**
 * Drops the copies of sessions ended in another process (the admin CLI announces them through the
 * database), for as long as the server runs; resolves once listening. A database out of reach
 * does not stop the server starting, as it does not elsewhere (readiness reports it): `onError`
 * hears why, and the driver listens once it connects (postgres.js re-issues LISTEN then).
 */
export async function forgetSessionsEndedElsewhere(
  pubsub: PubSub,
  cache: CacheStore,
  onError: (error: unknown) => void,
): Promise<() => Promise<void>> {
  const copies = sessionCopiesIn(cache);
  try {
    // invalidate() counts a store failure rather than throwing: nothing to catch in the handler.
    const unlisten = await onSessionsEnded(pubsub, (sessionIds) => void copies.forget(sessionIds));
    // Stopping: a database already gone has stopped sending anyway.
    return () => unlistenWithin(unlisten);
  } catch (error) {
    onError(error);
    return async () => {};
  }
}

function revive({ session, user }: Stored): Omit<ValidatedSession, 'fresh'> {
  return {
    session: {
      ...session,
      createdAt: new Date(session.createdAt),
      lastUsedAt: new Date(session.lastUsedAt),
      authenticatedAt: new Date(session.authenticatedAt),
      expiresAt: new Date(session.expiresAt),
    },
    user: {
      ...user,
      emailVerifiedAt: user.emailVerifiedAt === null ? null : new Date(user.emailVerifiedAt),
      createdAt: new Date(user.createdAt),
      updatedAt: new Date(user.updatedAt),
    },
  };
}
