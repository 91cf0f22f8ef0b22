// user.export: "download my data" (decision 021). What is the account's is in it, others' is not,
// no secret ever is; read page by page and held to a size budget; audited and throttled.

import { issueAccountToken } from '@conduit/auth';
import {
  accountTokens,
  auditLog,
  comments,
  type Database,
  eq,
  recoveryCodes,
  sessions,
  users,
} from '@conduit/db';
import { createArticle, getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, signUp } from '../../test/callers';
import type { RateLimiter } from '../limits';
import { exportAccount } from '../services/account-export';
import { EXPORTS_PER_HOUR } from './user-data';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const draft = (title: string, tagList: string[]) => ({
  title,
  description: `About ${title}`,
  body: `# ${title}\n\nWords.`,
  tagList,
});

async function aliceAndBob() {
  const alice = await signUp(db, { username: 'alice' });
  const bob = await signUp(db, { username: 'bob' });
  await alice.caller.user.update({ bio: 'I write', image: 'https://img.example/a.png' });
  const { article: hers } = await alice.caller.article.create(draft('Hers', ['zeta', 'alpha']));
  const { article: his } = await bob.caller.article.create(draft('His', ['beta']));
  await alice.caller.comment.create({ slug: his.slug, body: 'Nice one' });
  await bob.caller.comment.create({ slug: hers.slug, body: 'Not hers to export' });
  await bob.caller.article.favorite({ slug: hers.slug });
  await alice.caller.article.favorite({ slug: his.slug });
  await alice.caller.profile.follow({ username: 'bob' });
  await bob.caller.profile.follow({ username: 'alice' });
  return { alice, bob, hers, his };
}

describe('user.export', () => {
  it("holds the account's profile, articles, comments, favorites, follows, sessions and sign-ins", async () => {
    const { alice, hers, his } = await aliceAndBob();
    const data = await alice.caller.user.export();
    expect(data).toMatchObject({
      format: 'conduit-account-export',
      version: 1,
      exportedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      profile: {
        email: 'alice@example.com',
        emailVerified: false,
        emailVerifiedAt: null,
        username: 'alice',
        bio: 'I write',
        image: 'https://img.example/a.png',
        role: 'user',
        createdAt: expect.any(String),
      },
    });
    expect(data.articles).toEqual([
      {
        slug: hers.slug,
        title: 'Hers',
        description: 'About Hers',
        body: '# Hers\n\nWords.',
        tagList: ['alpha', 'zeta'],
        favoritesCount: 1,
        createdAt: hers.createdAt,
        updatedAt: hers.updatedAt,
      },
    ]);
    expect(data.comments).toEqual([
      {
        id: expect.any(Number),
        articleSlug: his.slug,
        body: 'Nice one',
        createdAt: expect.any(String),
      },
    ]);
    expect(data.favorites).toEqual([{ articleSlug: his.slug, favoritedAt: expect.any(String) }]);
    expect(data.following).toEqual([{ username: 'bob', since: expect.any(String) }]);
    expect(data.sessions).toEqual([
      {
        userAgent: 'vitest',
        ip: '203.0.113.7',
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        expiresAt: expect.any(String),
      },
    ]);
    expect(data.signIns.map((event) => event.action)).toEqual(['auth.register']);
  });

  it('never holds a secret: no password or token hash, no TOTP secret, no session id or token', async () => {
    const { alice } = await aliceAndBob();
    const [row] = await db.select().from(users).where(eq(users.username, 'alice'));
    if (!row) throw new Error('no alice');
    const totpSecret = new Uint8Array(20).fill(7);
    await db.update(users).set({ totpSecret }).where(eq(users.id, row.id));
    await db.insert(recoveryCodes).values({ userId: row.id, codeHash: new Uint8Array(32).fill(9) });
    const reset = await issueAccountToken(db, {
      userId: row.id,
      purpose: 'password_reset',
      ttlMs: 60_000,
    });
    const [session] = await db.select().from(sessions).where(eq(sessions.userId, row.id));
    const [token] = await db.select().from(accountTokens).where(eq(accountTokens.userId, row.id));

    const text = JSON.stringify(await alice.caller.user.export());
    const secrets = [
      row.passwordHash,
      alice.token,
      alice.token.split('.')[1],
      session?.id,
      reset.token,
      Buffer.from(totpSecret).toString('hex'),
      Buffer.from(totpSecret).toString('base64'),
      token?.id,
    ];
    for (const secret of secrets) {
      expect(secret).toBeTruthy();
      expect(text).not.toContain(String(secret));
    }
    expect(text).not.toMatch(/"[^"]*(password|hash|secret|token|totp|recovery)[^"]*":/i);
  });

  it('reads past one page of rows', async () => {
    const { alice, his } = await aliceAndBob();
    const [row] = await db.select().from(users).where(eq(users.username, 'alice'));
    const id = row?.id ?? 0;
    const [article] = await db.select().from(comments).limit(1);
    await db.insert(comments).values(
      Array.from({ length: 450 }, (_, n) => ({
        articleId: article?.articleId ?? 0,
        authorId: id,
        body: `Comment ${n}`,
      })),
    );
    for (let n = 0; n < 3; n += 1) await createArticle(db, { id }, { tagList: [`t${n}`] });
    const data = await alice.caller.user.export();
    expect(data.comments).toHaveLength(451);
    expect(new Set(data.comments.map((c) => c.id)).size).toBe(451);
    expect(data.comments.at(-1)?.body).toBe('Comment 449');
    expect(data.articles.map((a) => a.tagList)).toEqual([
      ['alpha', 'zeta'],
      ['t0'],
      ['t1'],
      ['t2'],
    ]);
    expect(his.slug).toBeTruthy();
  });

  it('is refused (413) past its size budget rather than held in memory', async () => {
    const { alice } = await aliceAndBob();
    const [row] = await db.select().from(users).where(eq(users.username, 'alice'));
    const user = { ...(row as NonNullable<typeof row>), emailVerifiedAt: null };
    await expect(exportAccount(db, user, new Date())).resolves.toBeTruthy();
    const error = await failure(exportAccount(db, user, new Date(), 200));
    expect([error.code, error.message]).toEqual([
      'PAYLOAD_TOO_LARGE',
      'Your data is larger than one download can hold (0.00019 MiB)',
    ]);
    expect(alice).toBeTruthy();
  });

  it('needs a session, is throttled per account, and writes nothing', async () => {
    const { alice } = await aliceAndBob();
    expect(await codeOf(callerFor(db).user.export())).toBe('UNAUTHORIZED');
    const counts = new Map<string, number>();
    const limiter: RateLimiter = {
      async hit(key, limit) {
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        return { allowed: n <= limit, remaining: limit - n, retryAfterMs: 60_000 };
      },
      peek: async () => ({ allowed: true, remaining: 1, retryAfterMs: 0 }),
      reset: async () => {},
    };
    const limited = callerFor(db, alice.token, undefined, limiter);
    for (let n = 0; n < EXPORTS_PER_HOUR; n += 1) await limited.user.export();
    expect(await codeOf(limited.user.export())).toBe('TOO_MANY_REQUESTS');
    const before = await db.select().from(auditLog);
    await alice.caller.user.export();
    expect(await db.select().from(auditLog)).toEqual(before);
  });
});
