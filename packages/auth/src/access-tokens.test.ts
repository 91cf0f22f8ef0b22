import { accessTokens, type Database, eq, sql, users } from '@conduit/db';
import { createUser, getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCESS_TOKEN_KEPT_AFTER_END_MS,
  createAccessToken,
  generateAccessToken,
  listAccessTokens,
  parseAccessToken,
  purgeAccessTokens,
  revokeAccessTokens,
  validateAccessToken,
} from './access-tokens';
import { LAST_USED_UPDATE_INTERVAL_MS } from './sessions';
import { hashSecret, parseSessionToken } from './tokens';

const DAY = 24 * 60 * 60 * 1000;
const after = (date: Date, ms: number) => new Date(date.getTime() + ms);

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const make = async (userId: number, now = new Date(), expiresInDays = 30) =>
  createAccessToken(db, { userId, name: 'CI', scope: 'read', expiresInDays, now });

describe('the token format', () => {
  it('is cdt_ and 63 base32 characters whose checksum catches a typo, and is no session token', () => {
    const { id, secret, token } = generateAccessToken();
    expect(token).toMatch(/^cdt_[a-z2-7]{63}$/);
    expect(parseAccessToken(token)).toEqual({ id, secret });
    expect(parseSessionToken(token)).toBeNull();
    // One character changed anywhere after the prefix: the checksum no longer matches.
    for (const at of [4, 30, 60, token.length - 1]) {
      const typo = `${token.slice(0, at)}${token[at] === 'a' ? 'b' : 'a'}${token.slice(at + 1)}`;
      expect(parseAccessToken(typo)).toBeNull();
    }
    expect(parseAccessToken(token.toUpperCase())).toBeNull();
    expect(parseAccessToken(`${token}a`)).toBeNull();
    expect(generateAccessToken().token).not.toBe(token);
  });
});

describe('createAccessToken', () => {
  it('stores the SHA-256 of the secret, never the token or the secret', async () => {
    const user = await createUser(db);
    const now = new Date('2026-12-06T12:00:00Z');
    const { token, record } = await make(user.id, now, 90);
    const parts = parseAccessToken(token);
    expect(record).toMatchObject({ id: parts?.id, name: 'CI', scope: 'read', lastUsedAt: null });
    expect(record.expiresAt).toEqual(after(now, 90 * DAY));
    const [row] = await db.select().from(accessTokens).where(eq(accessTokens.id, record.id));
    expect(
      Buffer.from(row?.secretHash ?? []).equals(Buffer.from(hashSecret(parts?.secret ?? ''))),
    ).toBe(true);
    const dump = JSON.stringify(
      await db.execute(sql`select to_jsonb(t)::text as row from access_tokens t`),
    );
    expect(dump).not.toContain(parts?.secret);
    expect(dump).not.toContain(token);
  });

  it('refuses an expiry of none, or past a year', async () => {
    const user = await createUser(db);
    await expect(make(user.id, new Date(), 0)).rejects.toThrow(RangeError);
    await expect(make(user.id, new Date(), 366)).rejects.toThrow(RangeError);
  });
});

describe('validateAccessToken', () => {
  it('accepts the token until it expires, and says why it refuses', async () => {
    const user = await createUser(db);
    const now = new Date();
    const { token } = await make(user.id, now, 1);
    const ok = await validateAccessToken(db, token, after(now, 1000));
    expect(ok).toMatchObject({ ok: true, user: { id: user.id }, firstUse: true });
    expect(await validateAccessToken(db, token, after(now, DAY))).toMatchObject({
      ok: false,
      refusal: 'expired',
    });
    const forged = generateAccessToken().token;
    expect(await validateAccessToken(db, forged)).toEqual({ ok: false, refusal: 'unknown' });
    // The right id with another secret is unknown too, and harms nothing.
    const { id } = parseAccessToken(token) ?? { id: '' };
    const other = generateAccessToken();
    const wrongSecret = other.token.replace(other.id, id);
    expect(await validateAccessToken(db, wrongSecret)).toEqual({ ok: false, refusal: 'unknown' });
    expect((await validateAccessToken(db, token, after(now, 2000))).ok).toBe(true);
  });

  it('refuses a revoked token, and every token of a disabled account', async () => {
    const user = await createUser(db);
    const { token, record } = await make(user.id);
    const { token: second } = await make(user.id);
    expect(await revokeAccessTokens(db, { user: user.id, id: record.id })).toHaveLength(1);
    expect(await validateAccessToken(db, token)).toMatchObject({ ok: false, refusal: 'revoked' });
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    expect(await validateAccessToken(db, second)).toMatchObject({
      ok: false,
      refusal: 'account disabled',
    });
  });

  it('writes last use at most once a minute, and calls only the first use first', async () => {
    const user = await createUser(db);
    const now = new Date();
    const { token, record } = await make(user.id, now);
    const lastUsed = async () =>
      (await db.select().from(accessTokens).where(eq(accessTokens.id, record.id)))[0]?.lastUsedAt;
    expect((await validateAccessToken(db, token, after(now, 1000))).ok).toBe(true);
    expect(await lastUsed()).toEqual(after(now, 1000));
    const again = await validateAccessToken(db, token, after(now, 30_000));
    expect(again).toMatchObject({ ok: true, firstUse: false });
    expect(await lastUsed()).toEqual(after(now, 1000));
    await validateAccessToken(db, token, after(now, 1000 + LAST_USED_UPDATE_INTERVAL_MS));
    expect(await lastUsed()).toEqual(after(now, 1000 + LAST_USED_UPDATE_INTERVAL_MS));
  });
});

describe('listing, revoking, purging', () => {
  it('lists the owner’s tokens not revoked; revoking all spares other accounts', async () => {
    const [ann, bob] = [await createUser(db), await createUser(db)];
    const { record: a1 } = await make(ann.id);
    const { record: a2 } = await make(ann.id);
    const { record: b1 } = await make(bob.id);
    await revokeAccessTokens(db, { user: ann.id, id: a1.id });
    expect((await listAccessTokens(db, ann.id)).map((t) => t.id)).toEqual([a2.id]);
    // Someone else's id revokes nothing.
    expect(await revokeAccessTokens(db, { user: ann.id, id: b1.id })).toEqual([]);
    expect((await revokeAccessTokens(db, { user: ann.id })).map((t) => t.id)).toEqual([a2.id]);
    expect((await listAccessTokens(db, bob.id)).map((t) => t.id)).toEqual([b1.id]);
  });

  it('deletes tokens a month after they were revoked or expired, and with their account', async () => {
    const user = await createUser(db);
    const now = new Date();
    const { record: expired } = await make(user.id, after(now, -40 * DAY), 1);
    const { record: revoked } = await make(user.id, now);
    const { record: live } = await make(user.id, now);
    await revokeAccessTokens(db, { user: user.id, id: revoked.id }, now);
    expect(await purgeAccessTokens(db, now)).toBe(1);
    expect(await purgeAccessTokens(db, after(now, ACCESS_TOKEN_KEPT_AFTER_END_MS + 1))).toBe(1);
    const left = await db.select({ id: accessTokens.id }).from(accessTokens);
    expect(left.map((t) => t.id)).toEqual([live.id]);
    expect(expired.id).not.toBe(live.id);
    await db.delete(users).where(eq(users.id, user.id));
    expect(await db.select().from(accessTokens)).toEqual([]);
  });
});
