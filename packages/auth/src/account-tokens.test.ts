import { accountTokens, type Database, eq } from '@conduit/db';
import { createUser, getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  issueAccountToken,
  peekAccountToken,
  purgeAccountTokens,
  useAccountToken,
} from './account-tokens';
import { hashSecret } from './tokens';

const HOUR = 60 * 60 * 1000;
const at = (ms: number) => new Date(Date.UTC(2026, 11, 6) + ms);

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(async () => {
  await resetDb(db);
});

describe('account tokens', () => {
  it('stores only the hash of the secret, and works once', async () => {
    const user = await createUser(db);
    const { token, expiresAt } = await issueAccountToken(db, {
      userId: user.id,
      purpose: 'password_reset',
      ttlMs: HOUR,
      email: user.email,
      now: at(0),
    });
    expect(expiresAt).toEqual(at(HOUR));
    const [id, secret] = token.split('.');
    const [row] = await db
      .select()
      .from(accountTokens)
      .where(eq(accountTokens.id, id ?? ''));
    expect(Buffer.from(row?.secretHash ?? []).equals(Buffer.from(hashSecret(secret ?? '')))).toBe(
      true,
    );
    expect(JSON.stringify(row)).not.toContain(secret);

    expect(await peekAccountToken(db, token, 'password_reset', at(1))).toMatchObject({
      userId: user.id,
    });
    expect(await useAccountToken(db, token, 'password_reset', at(1))).toMatchObject({
      userId: user.id,
      email: user.email,
    });
    expect(await useAccountToken(db, token, 'password_reset', at(2))).toBeNull();
  });

  it('refuses another purpose, a forged secret, garbage and an expired token', async () => {
    const user = await createUser(db);
    const { token } = await issueAccountToken(db, {
      userId: user.id,
      purpose: 'email_verification',
      ttlMs: HOUR,
      now: at(0),
    });
    expect(await useAccountToken(db, token, 'password_reset', at(1))).toBeNull();
    const forged = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    expect(await useAccountToken(db, forged, 'email_verification', at(1))).toBeNull();
    expect(await useAccountToken(db, 'not a token', 'email_verification', at(1))).toBeNull();
    expect(await useAccountToken(db, token, 'email_verification', at(HOUR))).toBeNull();
    // None of those used it up.
    expect(await useAccountToken(db, token, 'email_verification', at(HOUR - 1))).not.toBeNull();
  });

  it('lets only the newest token of a purpose work', async () => {
    const user = await createUser(db);
    const issue = () =>
      issueAccountToken(db, {
        userId: user.id,
        purpose: 'password_reset',
        ttlMs: HOUR,
        now: at(0),
      });
    const older = await issue();
    const newer = await issue();
    expect(await useAccountToken(db, older.token, 'password_reset', at(1))).toBeNull();
    expect(await useAccountToken(db, newer.token, 'password_reset', at(1))).not.toBeNull();
  });

  it('gives a token to exactly one of two racing uses', async () => {
    const user = await createUser(db);
    const { token } = await issueAccountToken(db, {
      userId: user.id,
      purpose: 'password_reset',
      ttlMs: HOUR,
      now: at(0),
    });
    const results = await Promise.all([
      useAccountToken(db, token, 'password_reset', at(1)),
      useAccountToken(db, token, 'password_reset', at(1)),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('purges expired tokens and those used over a day ago', async () => {
    const user = await createUser(db);
    const issue = (purpose: 'password_reset' | 'email_verification', ttlMs: number) =>
      issueAccountToken(db, { userId: user.id, purpose, ttlMs, now: at(0) });
    const expired = await issue('password_reset', HOUR);
    const used = await issue('email_verification', 48 * HOUR);
    await useAccountToken(db, used.token, 'email_verification', at(1));
    expect(await purgeAccountTokens(db, at(2 * HOUR))).toBe(1);
    expect(await purgeAccountTokens(db, at(26 * HOUR))).toBe(1);
    expect(await peekAccountToken(db, expired.token, 'password_reset', at(0))).toBeNull();
  });
});
