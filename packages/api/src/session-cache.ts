// Who is calling, without a database query on every request: a validated session (and its user)
// is kept in the hot-read cache for the store's time to live, under a key made from the whole
// token, so a hit means the same secret was presented.
//
// Invalidation is by one namespace, SESSIONS: every write that ends a session or changes what a
// request knows of its user (logout, logout everywhere, a revoked session, a password or profile
// change, a role change) bumps it after committing, and the very next request on any instance
// sharing the store goes to the database again. One namespace for all users keeps that one
// counter bump; the cost is that everybody's next request after such a write misses once.
//
// On a miss the database answers exactly as without a cache, renewing the session when due
// (`fresh`, so the cookie is sent again). A hit never renews: its copy was renewed when stored,
// at most one time to live ago. What changes sessions outside the server (the admin CLI) is seen
// once the copies expire.
import {
  hashSecret,
  parseSessionToken,
  type SessionRecord,
  type SessionUser,
  validateSessionToken,
} from '@conduit/auth';
import type { Database } from '@conduit/db';
import { type CacheStore, cached, invalidate } from './cache';

export const SESSIONS = 'sessions';

export type ValidatedSession = NonNullable<Awaited<ReturnType<typeof validateSessionToken>>>;

/** Thrown by the loader so that an unknown token is never stored (nobody floods the cache). */
class NoSession extends Error {}

interface Stored {
  session: Omit<SessionRecord, 'createdAt' | 'lastUsedAt' | 'expiresAt'> & {
    createdAt: string;
    lastUsedAt: string;
    expiresAt: string;
  };
  user: Omit<SessionUser, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };
}

export async function lookUpSession(
  db: Database,
  cache: CacheStore,
  token: string,
  now: Date = new Date(),
): Promise<ValidatedSession | null> {
  const parts = parseSessionToken(token);
  if (!parts) return null;
  const key = `${parts.id}:${Buffer.from(hashSecret(parts.secret)).toString('base64url')}`;
  let fromDatabase: ValidatedSession | undefined;
  let stored: Stored;
  try {
    stored = await cached(cache, SESSIONS, key, async () => {
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

/** After a committed write that ends sessions or changes a signed-in user. */
export function forgetSessions(cache: CacheStore): Promise<void> {
  return invalidate(cache, SESSIONS);
}

function revive({ session, user }: Stored): Omit<ValidatedSession, 'fresh'> {
  return {
    session: {
      ...session,
      createdAt: new Date(session.createdAt),
      lastUsedAt: new Date(session.lastUsedAt),
      expiresAt: new Date(session.expiresAt),
    },
    user: { ...user, createdAt: new Date(user.createdAt), updatedAt: new Date(user.updatedAt) },
  };
}
