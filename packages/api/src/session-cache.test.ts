// The session cache as requests meet it: a known token costs no query once cached, and every
// write that ends a session or changes its user is felt by the very next request.
import { type Database, eq, sessions, users } from '@conduit/db';
import { getTestDb, recordQueries, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, failure } from '../test/callers';
import { type CacheStore, createMemoryCache } from './cache';
import { createTRPCContext } from './context';
import { createCaller } from './index';
import { lookUpSession } from './session-cache';

let db: Database;
let cache: CacheStore;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(async () => {
  await resetDb(db);
  cache = createMemoryCache({ ttlMs: 60_000 });
});

const password = 'correct horse battery';

/** A caller whose every call makes a fresh context (a request) over the shared cache. */
const caller = (token: string) =>
  createCaller(() =>
    createTRPCContext({ db, cache, sessionToken: { value: token, from: 'header' } }),
  );

let n = 0;
async function member(username = `member${++n}`) {
  const { token } = await callerFor(db).auth.register({
    email: `${username}@example.com`,
    username,
    password,
  });
  return { username, token, caller: caller(token) };
}

async function signInAgain(username: string) {
  return (await callerFor(db).auth.login({ email: `${username}@example.com`, password })).token;
}

const refused = async (token: string) =>
  (await failure(caller(token).auth.me())).code === 'UNAUTHORIZED';

describe('lookUpSession', () => {
  it('asks the database once, then answers from the cache with the same session and user', async () => {
    const { token } = await member('jake');
    const first = await recordQueries(() => lookUpSession(db, cache, token));
    expect(first.queries.length).toBeGreaterThan(0);
    const second = await recordQueries(() => lookUpSession(db, cache, token));
    expect(second.queries).toHaveLength(0);
    expect(second.result).toEqual({ ...first.result, fresh: false });
    expect(second.result?.session.expiresAt).toBeInstanceOf(Date);
    expect(second.result?.user.username).toBe('jake');
  });

  it('refuses a token whose secret differs from the cached one, and an unknown one, every time', async () => {
    const { token } = await member();
    await lookUpSession(db, cache, token);
    const last = token.at(-1) === 'a' ? 'b' : 'a';
    const forged = `${token.slice(0, -1)}${last}`;
    expect(await lookUpSession(db, cache, forged)).toBeNull();
    expect(await lookUpSession(db, cache, forged)).toBeNull();
    expect(cache.stats.hits).toBe(0);
  });

  it('refuses a cached session once it has expired, and deletes it', async () => {
    const { token } = await member();
    const found = await lookUpSession(db, cache, token);
    const later = new Date((found?.session.expiresAt.getTime() ?? 0) + 1);
    expect(await lookUpSession(db, cache, token, later)).toBeNull();
    expect(
      await db
        .select()
        .from(sessions)
        .where(eq(sessions.id, found?.session.id ?? '')),
    ).toEqual([]);
  });
});

describe('every write that ends a session is felt by the next request', () => {
  it('logout, logout everywhere, a revoked session', async () => {
    const jake = await member('jake');
    const second = await signInAgain('jake');
    const third = await signInAgain('jake');
    for (const token of [jake.token, second, third]) await caller(token).auth.me(); // cached

    await caller(second).auth.logout();
    expect(await refused(second)).toBe(true);
    expect((await caller(jake.token).auth.me()).user.username).toBe('jake');

    const { sessions: open } = await caller(jake.token).auth.sessions();
    const thirdId = open.find((s) => !s.current)?.id ?? '';
    await caller(jake.token).auth.revokeSession({ id: thirdId });
    expect(await refused(third)).toBe(true);

    const fourth = await signInAgain('jake');
    await caller(fourth).auth.me();
    await caller(jake.token).auth.logoutAll();
    expect(await refused(jake.token)).toBe(true);
    expect(await refused(fourth)).toBe(true);
  });

  it('a password change (other sessions end), a profile change, a role change', async () => {
    const jake = await member('jake');
    const other = await signInAgain('jake');
    await caller(other).auth.me();
    await jake.caller.user.update({ password: 'a brand new password', currentPassword: password });
    expect(await refused(other)).toBe(true);

    await jake.caller.user.update({ username: 'jacob', bio: 'new' });
    expect((await jake.caller.auth.me()).user).toMatchObject({ username: 'jacob', bio: 'new' });

    await member('admin');
    await db.update(users).set({ role: 'admin' }).where(eq(users.username, 'admin'));
    const adminToken = await signInAgain('admin');
    await caller(adminToken).admin.setRole({ username: 'jacob', role: 'moderator' });
    expect(await refused(jake.token)).toBe(true);
  });
});

/**
 * The cache under test, except that a request presenting `racer` arrives the moment anything is
 * invalidated: the request that, were the cache invalidated before the sessions were deleted,
 * would copy an ended session back from a database that still held it.
 */
function withRacingRequest(inner: CacheStore, racer: () => string | undefined): CacheStore {
  return {
    read: (key, load) => inner.read(key, load),
    async invalidate(tags) {
      await inner.invalidate(tags);
      const token = racer();
      if (token) await lookUpSession(db, inner, token);
    },
    stats: inner.stats,
    answers: inner.answers,
    keeps: inner.keeps,
  };
}

describe('a request arriving while sessions end does not keep an ended one alive', () => {
  // Each ends `other`, a second session of jake's, while a request presenting it is in flight.
  const endings: Record<string, (tokens: { jake: string; admin: string }) => Promise<unknown>> = {
    'logout (the same session, from another tab)': () => caller(other).auth.logout(),
    'logout everywhere': ({ jake }) => caller(jake).auth.logoutAll(),
    'a revoked session': async ({ jake }) => {
      const { sessions: open } = await caller(jake).auth.sessions();
      return caller(jake).auth.revokeSession({ id: open.find((s) => !s.current)?.id ?? '' });
    },
    'a password change': ({ jake }) =>
      caller(jake).user.update({ password: 'a brand new password', currentPassword: password }),
    'a role change': ({ admin }) =>
      caller(admin).admin.setRole({ username: 'jake', role: 'moderator' }),
    'the account disabled by an admin': ({ admin }) =>
      caller(admin).admin.disableUser({ username: 'jake' }),
    'the account deleted': ({ jake }) => caller(jake).user.delete({ username: 'jake' }),
  };

  let other: string;
  for (const [ending, end] of Object.entries(endings)) {
    it(ending, async () => {
      const jake = await member('jake');
      other = await signInAgain('jake');
      await member('admin');
      await db.update(users).set({ role: 'admin' }).where(eq(users.username, 'admin'));
      const admin = await signInAgain('admin');
      let racer: string | undefined;
      cache = withRacingRequest(cache, () => racer);
      await caller(other).auth.me(); // cached
      racer = other;
      await end({ jake: jake.token, admin });
      racer = undefined;
      expect(await refused(other)).toBe(true);
    });
  }
});

describe('ending or changing one user’s sessions leaves everybody else’s cached', () => {
  /** Whether the next request with `token` is answered from the cache. */
  async function servedFromCache(token: string): Promise<boolean> {
    const before = { ...cache.stats };
    await caller(token).auth.me();
    return cache.stats.hits === before.hits + 1 && cache.stats.misses === before.misses;
  }

  it('logout, logout everywhere, a password change, a profile change, a role change', async () => {
    const jake = await member('jake');
    const jakesOther = await signInAgain('jake');
    const anna = await member('anna');
    await member('admin');
    await db.update(users).set({ role: 'admin' }).where(eq(users.username, 'admin'));
    const admin = await signInAgain('admin');
    for (const token of [jake.token, jakesOther, anna.token, admin]) await caller(token).auth.me();
    expect(await servedFromCache(anna.token)).toBe(true);

    await jake.caller.user.update({ bio: 'changed' });
    expect((await jake.caller.auth.me()).user.bio).toBe('changed'); // jake's copies reloaded
    expect(await servedFromCache(anna.token)).toBe(true);

    await caller(jakesOther).auth.logout();
    expect(await servedFromCache(jake.token)).toBe(true); // his other session stays cached
    expect(await servedFromCache(anna.token)).toBe(true);

    await jake.caller.user.update({ password: 'a brand new password', currentPassword: password });
    expect(await servedFromCache(anna.token)).toBe(true);

    await caller(admin).admin.setRole({ username: 'jake', role: 'moderator' });
    expect(await refused(jake.token)).toBe(true);
    expect(await servedFromCache(anna.token)).toBe(true);
    expect(await servedFromCache(admin)).toBe(true);

    await anna.caller.auth.logoutAll();
    expect(await servedFromCache(admin)).toBe(true);
  });
});
