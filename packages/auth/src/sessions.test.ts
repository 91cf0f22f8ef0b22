import { type Database, eq, sessions, sql, users } from '@conduit/db';
import { createUser, getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AccountGoneError,
  createSession,
  LAST_USED_UPDATE_INTERVAL_MS,
  listUserSessions,
  purgeExpiredSessions,
  SESSION_ABSOLUTE_LIFETIME_MS,
  SESSION_LIFETIME_MS,
  SESSION_RENEW_THRESHOLD_MS,
  validateSessionToken,
} from './sessions';
import { hashSecret, parseSessionToken } from './tokens';

const DAY = 24 * 60 * 60 * 1000;
const after = (date: Date, ms: number) => new Date(date.getTime() + ms);

let db: Database;

beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(async () => {
  await resetDb(db);
});

async function storedRow(id: string) {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
  return row;
}

describe('createSession', () => {
  it('stores the SHA-256 of the secret, never the secret or the token', async () => {
    const user = await createUser(db);
    const { token, session } = await createSession(db, user.id);
    const parts = parseSessionToken(token);
    expect(parts?.id).toBe(session.id);

    const row = await storedRow(session.id);
    expect(row?.secretHash).toHaveLength(32);
    expect(Buffer.from(row?.secretHash ?? []).equals(hashSecret(parts?.secret ?? ''))).toBe(true);
    const stored = JSON.stringify(row, (_key, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value,
    );
    expect(stored).not.toContain(parts?.secret);
    expect(stored).not.toContain(Buffer.from(parts?.secret ?? '').toString('hex'));
    expect(session).not.toHaveProperty('secretHash');
  });

  it('lasts 30 days and records the client, cutting the user agent to 512 characters', async () => {
    const user = await createUser(db);
    const { session } = await createSession(db, user.id, {
      userAgent: `Mozilla/5.0 ${'x'.repeat(1000)}`,
      ip: '203.0.113.7',
    });
    expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(SESSION_LIFETIME_MS);
    expect(SESSION_LIFETIME_MS).toBe(30 * DAY);
    expect(session.userAgent).toHaveLength(512);
    expect(session.userAgent?.startsWith('Mozilla/5.0 xxx')).toBe(true);
    expect(session.ip).toBe('203.0.113.7');
    expect(session.lastUsedAt).toEqual(session.createdAt);
  });

  it('gives a new session and token at every sign-in', async () => {
    const user = await createUser(db);
    const first = await createSession(db, user.id);
    const second = await createSession(db, user.id);
    expect(second.token).not.toBe(first.token);
    expect(second.session.id).not.toBe(first.session.id);
  });
});

describe('createSession for an account deleted meanwhile', () => {
  it('says so with AccountGoneError, not a failed query', async () => {
    const user = await createUser(db);
    await db.delete(users).where(eq(users.id, user.id));
    await expect(createSession(db, user.id)).rejects.toBeInstanceOf(AccountGoneError);
  });
});

describe('validateSessionToken', () => {
  it('refuses a session of a disabled account, and accepts it again once enabled', async () => {
    const user = await createUser(db);
    const { token } = await createSession(db, user.id);
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    expect(await validateSessionToken(db, token)).toBeNull();
    await db.update(users).set({ disabledAt: null }).where(eq(users.id, user.id));
    expect((await validateSessionToken(db, token))?.user.id).toBe(user.id);
  });

  it('returns the session and its user, without the password hash', async () => {
    const user = await createUser(db, { username: 'alice', bio: 'hi', role: 'moderator' });
    const { token, session } = await createSession(db, user.id);
    const result = await validateSessionToken(db, token);
    expect(result).toEqual({
      session,
      user: {
        id: user.id,
        email: 'alice@example.com',
        username: 'alice',
        bio: 'hi',
        image: null,
        role: 'moderator',
        emailVerifiedAt: null,
        createdAt: user.createdAt,
        updatedAt: user.updatedAt,
      },
      fresh: false,
    });
    expect(result?.user).not.toHaveProperty('passwordHash');
  });

  it('renews an active session up to its absolute lifetime, then ends it whatever the activity', async () => {
    const user = await createUser(db);
    const { token, session } = await createSession(db, user.id);
    const signedIn = session.createdAt;
    const end = after(signedIn, SESSION_ABSOLUTE_LIFETIME_MS);
    // Used every 20 days: renewed each time, until renewing would pass the absolute end.
    for (const day of [20, 40, 60]) {
      const result = await validateSessionToken(db, token, after(signedIn, day * DAY));
      expect(result?.fresh, `day ${day}`).toBe(true);
      const renewed = Math.min(after(signedIn, (day + 30) * DAY).getTime(), end.getTime());
      expect(result?.session.expiresAt.getTime(), `day ${day}`).toBe(renewed);
    }
    const late = await validateSessionToken(db, token, after(signedIn, 80 * DAY));
    expect(late?.fresh).toBe(false);
    expect(late?.session.expiresAt).toEqual(end);
    expect(await validateSessionToken(db, token, end)).toBeNull();
  });

  it('refuses a tampered secret, an unknown id and malformed tokens, leaving the session alone', async () => {
    const user = await createUser(db);
    const { token, session } = await createSession(db, user.id);
    const last = token.at(-1) === 'a' ? 'b' : 'a';
    expect(await validateSessionToken(db, `${token.slice(0, -1)}${last}`)).toBeNull();
    const [, secret] = token.split('.');
    expect(await validateSessionToken(db, `${'a'.repeat(24)}.${secret}`)).toBeNull();
    expect(await validateSessionToken(db, session.id)).toBeNull();
    expect(await validateSessionToken(db, `${token}.`)).toBeNull();
    expect(await validateSessionToken(db, '')).toBeNull();
    // Someone who saw the id and guessed wrong has not signed the owner out.
    expect(await validateSessionToken(db, token)).not.toBeNull();
  });

  it('rejects an expired session and deletes it', async () => {
    const user = await createUser(db);
    const { token, session } = await createSession(db, user.id);
    const almost = await createSession(db, user.id);
    expect(await validateSessionToken(db, token, session.expiresAt)).toBeNull();
    expect(await storedRow(session.id)).toBeUndefined();
    const lastMoment = after(almost.session.expiresAt, -1);
    expect(await validateSessionToken(db, almost.token, lastMoment)).not.toBeNull();
  });

  it('renews once less than 15 days remain: expiry pushed to now + 30 days, fresh', async () => {
    const user = await createUser(db);
    const { token, session } = await createSession(db, user.id);
    const now = after(session.createdAt, SESSION_LIFETIME_MS - SESSION_RENEW_THRESHOLD_MS + 1);
    const result = await validateSessionToken(db, token, now);
    expect(result?.fresh).toBe(true);
    expect(result?.session.expiresAt).toEqual(after(now, SESSION_LIFETIME_MS));
    expect(result?.session.lastUsedAt).toEqual(now); // in the same write
    expect((await storedRow(session.id))?.expiresAt).toEqual(after(now, SESSION_LIFETIME_MS));
    // Renewed, it is far from expiry again: the next request does not renew.
    const next = await validateSessionToken(db, token, after(now, 1000));
    expect(next?.fresh).toBe(false);
  });

  it('does not renew while 15 days or more remain', async () => {
    const user = await createUser(db);
    const { token, session } = await createSession(db, user.id);
    const now = after(session.createdAt, SESSION_LIFETIME_MS - SESSION_RENEW_THRESHOLD_MS);
    const result = await validateSessionToken(db, token, now);
    expect(result?.fresh).toBe(false);
    expect(result?.session.expiresAt).toEqual(session.expiresAt);
    expect((await storedRow(session.id))?.expiresAt).toEqual(session.expiresAt);
  });

  it('writes lastUsedAt at most once a minute, and not at all in between', async () => {
    const user = await createUser(db);
    const { token, session } = await createSession(db, user.id);
    // xmin changes with every UPDATE of the row, even one that writes the same values.
    const version = async () => {
      const [row] = await db
        .select({ xmin: sql<string>`xmin::text` })
        .from(sessions)
        .where(eq(sessions.id, session.id));
      return row?.xmin;
    };
    const created = await version();

    const soon = after(session.createdAt, LAST_USED_UPDATE_INTERVAL_MS - 1);
    expect((await validateSessionToken(db, token, soon))?.session.lastUsedAt).toEqual(
      session.createdAt,
    );
    expect(await version()).toBe(created);

    const later = after(session.createdAt, LAST_USED_UPDATE_INTERVAL_MS);
    expect((await validateSessionToken(db, token, later))?.session.lastUsedAt).toEqual(later);
    expect((await storedRow(session.id))?.lastUsedAt).toEqual(later);
    expect(await version()).not.toBe(created);
  });
});

describe('listing sessions', () => {
  it('lists the user’s unexpired sessions, most recently used first', async () => {
    const alice = await createUser(db);
    const bob = await createUser(db);
    const a = await createSession(db, alice.id, { userAgent: 'A' });
    const b = await createSession(db, alice.id, { userAgent: 'B' });
    const c = await createSession(db, alice.id, { userAgent: 'C' });
    await createSession(db, bob.id, { userAgent: 'Bob' });
    const now = after(a.session.createdAt, 10 * 60 * 1000);
    await validateSessionToken(db, b.token, after(now, -2 * 60 * 1000));
    await validateSessionToken(db, a.token, after(now, -1 * 60 * 1000));
    await db
      .update(sessions)
      .set({ expiresAt: after(now, -1) })
      .where(eq(sessions.id, c.session.id));

    const listed = await listUserSessions(db, alice.id, now);
    expect(listed.map((s) => s.userAgent)).toEqual(['A', 'B']);
    expect(listed[0]).not.toHaveProperty('secretHash');
  });

  it('purgeExpiredSessions deletes the expired ones and counts them', async () => {
    const user = await createUser(db);
    const old = await createSession(db, user.id);
    const live = await createSession(db, user.id);
    const now = new Date();
    await db.update(sessions).set({ expiresAt: now }).where(eq(sessions.id, old.session.id));

    expect(await purgeExpiredSessions(db, now)).toBe(1);
    expect(await storedRow(old.session.id)).toBeUndefined();
    expect(await storedRow(live.session.id)).toBeDefined();
    expect(await purgeExpiredSessions(db, now)).toBe(0);
  });
});
