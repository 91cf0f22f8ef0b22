// user.delete: leaving for good (decision 021). Sudo mode, everything of the account gone at once
// (sessions, cached copies too, follows both ways, favorites, articles, comments), the totals kept
// by triggers still exact, the audit written; and no deadlock or 500 when others write to the
// account's articles at that very moment.
import { auditLog, type Database, eq, follows, sessions, sql, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, refusedFields, signUp } from '../../test/callers';
import { expectTotalsExact } from '../../test/totals';
import { createMemoryCache } from '../cache';
import { createTRPCContext } from '../context';
import { createCaller } from '../index';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const draft = (title: string, tagList: string[]) => ({
  title,
  description: 'About it',
  body: 'Words.',
  tagList,
});

/** Eleven minutes after signing in: past the ten-minute window of sudo mode. */
const later = () => new Date(Date.now() + 11 * 60_000);

/** Alice, with everything an account can have and be part of; Bob, who stays. */
async function aliceAndBob() {
  const alice = await signUp(db, { username: 'alice' });
  const bob = await signUp(db, { username: 'bob' });
  const { article: hers } = await alice.caller.article.create(draft('Hers', ['shared', 'alone']));
  await alice.caller.article.create(draft('Also hers', ['alone']));
  const { article: his } = await bob.caller.article.create(draft('His', ['shared']));
  await alice.caller.comment.create({ slug: his.slug, body: 'Nice one' });
  await alice.caller.comment.create({ slug: hers.slug, body: 'Thanks all' });
  await bob.caller.comment.create({ slug: hers.slug, body: 'Great read' });
  await bob.caller.comment.create({ slug: his.slug, body: 'Mine stays' });
  await alice.caller.article.favorite({ slug: his.slug });
  await bob.caller.article.favorite({ slug: hers.slug });
  await alice.caller.profile.follow({ username: 'bob' });
  await bob.caller.profile.follow({ username: 'alice' });
  const second = await callerFor(db).auth.login({
    email: alice.user.email,
    password: alice.password,
  });
  return { alice, bob, hers, his, secondToken: second.token };
}

describe('user.delete', () => {
  it('asks for the username typed again, and deletes nothing without it', async () => {
    const { alice } = await aliceAndBob();
    expect(await refusedFields(alice.caller.user.delete({ username: 'bob' }))).toEqual([
      'username',
    ]);
    expect(await refusedFields(alice.caller.user.delete({} as never))).toEqual(['username']);
    expect((await alice.caller.auth.me()).user.username).toBe('alice');
  });

  it('needs a recent sign-in or the current password (sudo mode)', async () => {
    const { alice } = await aliceAndBob();
    const late = callerFor(db, alice.token, undefined, undefined, { now: later });
    const missing = await failure(late.user.delete({ username: 'alice' }));
    expect([missing.code, missing.message]).toEqual([
      'BAD_REQUEST',
      'currentPassword: is required for this change: you signed in more than 10 minutes ago',
    ]);
    const wrong = await failure(
      late.user.delete({ username: 'alice', currentPassword: 'not her password' }),
    );
    expect(wrong.message).toBe('currentPassword: is incorrect');
    expect((await alice.caller.auth.me()).user.username).toBe('alice');

    const { deleted } = await late.user.delete({
      username: 'ALICE',
      currentPassword: alice.password,
    });
    expect(deleted).toEqual({ username: 'alice', articles: 2, comments: 2, endedSessions: 2 });
  });

  it('ends every session at once, cached copies too, and clears the cookie', async () => {
    const { alice, secondToken } = await aliceAndBob();
    const cache = createMemoryCache({ ttlMs: 60_000 });
    const cachedCaller = (token: string) => callerFor(db, token, undefined, undefined, { cache });
    // Both sessions are read once, so each has a copy in the cache.
    await cachedCaller(alice.token).auth.me();
    await cachedCaller(secondToken).auth.me();
    const jar = { set() {}, clear: () => (cleared += 1) };
    let cleared = 0;
    await callerFor(db, alice.token, jar, undefined, { cache }).user.delete({ username: 'alice' });
    expect(cleared).toBe(1);
    for (const token of [alice.token, secondToken]) {
      expect(await codeOf(cachedCaller(token).auth.me())).toBe('UNAUTHORIZED');
    }
    expect(await db.select().from(sessions)).toHaveLength(1); // Bob's
    expect(
      await codeOf(callerFor(db).auth.login({ email: alice.user.email, password: alice.password })),
    ).toBe('UNAUTHORIZED');
  });

  it('takes the articles, comments, follows and favorites with it; the rest stays exact', async () => {
    const { alice, bob, hers, his } = await aliceAndBob();
    const cache = createMemoryCache({ ttlMs: 60_000 });
    const reader = callerFor(db, undefined, undefined, undefined, { cache });
    // Cached reads that the deletion changes: Bob's article (favorites count), the tags, profiles.
    expect((await reader.article.get({ slug: his.slug })).article.favoritesCount).toBe(1);
    expect((await reader.tag.list()).tags).toEqual(['alone', 'shared']);
    await reader.profile.get({ username: 'alice' });

    await callerFor(db, alice.token, undefined, undefined, { cache }).user.delete({
      username: 'alice',
    });

    expect(await codeOf(reader.profile.get({ username: 'alice' }))).toBe('NOT_FOUND');
    expect(await codeOf(reader.article.get({ slug: hers.slug }))).toBe('NOT_FOUND');
    const { article } = await reader.article.get({ slug: his.slug });
    expect(article.favoritesCount).toBe(0);
    const { comments } = await reader.comment.list({ slug: his.slug });
    expect(comments.map((c) => c.body)).toEqual(['Mine stays']);
    expect((await reader.tag.list()).tags).toEqual(['shared']);
    expect((await reader.article.list({})).articlesCount).toBe(1);
    expect(await db.select().from(follows)).toEqual([]);
    expect((await bob.caller.article.feed({})).articlesCount).toBe(0);
    await expectTotalsExact(db);
    // The name is free again.
    await expect(signUp(db, { username: 'alice' })).resolves.toBeTruthy();
  });

  it('writes the audit entry, naming the account that is gone', async () => {
    const { alice } = await aliceAndBob();
    const [row] = await db.select({ id: users.id }).from(users).where(eq(users.username, 'alice'));
    await alice.caller.user.delete({ username: 'alice' });
    const [entry] = await db.select().from(auditLog).where(eq(auditLog.action, 'user.delete'));
    expect(entry).toMatchObject({
      actorId: null,
      targetType: 'user',
      targetId: String(row?.id),
      ip: '203.0.113.7',
      details: { username: 'alice', articles: 2, comments: 2, endedSessions: 2, by: 'self' },
    });
    // Her earlier entries stay, without an actor to point at.
    const earlier = await db.select().from(auditLog).where(eq(auditLog.action, 'auth.register'));
    expect(earlier.map((e) => e.actorId).sort()).toEqual([expect.any(Number), null]);
  });

  it('keeps the last admin from leaving; with another admin, an admin may', async () => {
    const root = await signUp(db, { username: 'root' });
    await db.update(users).set({ role: 'admin' }).where(eq(users.username, 'root'));
    const error = await failure(root.caller.user.delete({ username: 'root' }));
    expect([error.code, error.message]).toEqual([
      'FORBIDDEN',
      'You are the only admin: make someone else an admin first',
    ]);
    const other = await signUp(db, { username: 'other' });
    await db.update(users).set({ role: 'admin' }).where(eq(users.username, 'other'));
    await root.caller.user.delete({ username: 'root' });
    expect(await codeOf(other.caller.user.delete({ username: 'other' }))).toBe('FORBIDDEN');
  });
});

describe('a request of an account deleted while it ran', () => {
  it('answers 401, not 500, whatever its write met', async () => {
    const { alice } = await aliceAndBob();
    // The request's context was made (its session valid) before the account went.
    const ctx = await createTRPCContext({
      db,
      sessionToken: { value: alice.token, from: 'header' },
    });
    await db.delete(users).where(eq(users.username, 'alice'));
    const gone = createCaller(ctx);
    for (const call of [
      () => gone.user.update({ bio: 'still me' }),
      () => gone.article.create(draft('Too late', ['x'])),
      () => gone.auth.logout(),
    ]) {
      const error = await failure(call());
      expect([error.code, error.message]).toEqual([
        'UNAUTHORIZED',
        'Your account no longer exists',
      ]);
    }
  });
});

describe('a sign-in that meets its account deleted', () => {
  it('answers 401, not 500', async () => {
    const { alice } = await aliceAndBob();
    // Stands in for a deletion committed between the password check and the session's insert.
    await db.execute(sql`create function delete_owner() returns trigger language plpgsql
      as $$ begin delete from users where id = new.user_id; return new; end $$`);
    await db.execute(sql`create trigger delete_owner before insert on sessions
      for each row execute function delete_owner()`);
    try {
      const error = await failure(
        callerFor(db).auth.login({ email: alice.user.email, password: alice.password }),
      );
      expect([error.code, error.message]).toEqual([
        'UNAUTHORIZED',
        'Your account no longer exists',
      ]);
    } finally {
      await db.execute(sql`drop trigger delete_owner on sessions`);
      await db.execute(sql`drop function delete_owner()`);
    }
  });
});

describe('user.delete while others write', () => {
  it('never deadlocks or fails with a 500: each write goes first or finds the account gone', async () => {
    for (let round = 0; round < 3; round += 1) {
      await resetDb(db);
      const alice = await signUp(db, { username: 'alice' });
      const tagsOf = (n: number) => ['shared', `t${n % 3}`];
      const articles = await Promise.all(
        Array.from({ length: 6 }, (_, n) =>
          alice.caller.article.create(draft(`Piece ${n}`, tagsOf(n))),
        ),
      );
      const others = await Promise.all(
        Array.from({ length: 6 }, (_, n) => signUp(db, { username: `reader${n}` })),
      );
      const [first] = others;
      if (!first) throw new Error('no readers');
      const { article: kept } = await first.caller.article.create(draft('Kept', ['shared']));
      const slugs = articles.map((a) => a.article.slug);
      const slug = (n: number) => slugs[n % slugs.length] ?? '';
      const writes = others.flatMap((other, n) => [
        other.caller.article.favorite({ slug: slug(n) }),
        other.caller.comment.create({ slug: slug(n + 1), body: 'Hi' }),
        other.caller.profile.follow({ username: 'alice' }),
        other.caller.article.create(draft(`Reply ${n}`, tagsOf(n + 1))),
      ]);
      // Alice herself writes too: an article (the order decision 014 warns of), a favorite, a comment.
      const own = [
        alice.caller.article.create(draft('Last words', ['shared', 't1'])),
        alice.caller.article.favorite({ slug: kept.slug }),
        alice.caller.comment.create({ slug: kept.slug, body: 'Bye' }),
        alice.caller.profile.follow({ username: 'reader1' }),
      ];
      const deletion = alice.caller.user.delete({ username: 'alice' });
      const outcomes = await Promise.allSettled([deletion, ...writes, ...own]);
      // The deletion goes through whatever else runs: its own failure is shown as it is.
      if (outcomes[0]?.status === 'rejected') throw outcomes[0].reason;
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') continue;
        expect(['NOT_FOUND', 'UNAUTHORIZED']).toContain((outcome.reason as { code?: string }).code);
      }
      expect(await db.select().from(users).where(eq(users.username, 'alice'))).toEqual([]);
      await expectTotalsExact(db);
    }
  });
});
