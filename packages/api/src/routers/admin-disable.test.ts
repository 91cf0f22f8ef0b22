// admin.disableUser and admin.enableUser (decision 021): a disabled account cannot sign in (told so
// only once its password is right), every session of it ends at once, cached copies included, its
// content stays; enabling lets it sign in again. Admins only, never themselves or the last admin.
import { auditLog, type Database, eq, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, signUp } from '../../test/callers';
import { type CacheStore, createMemoryCache } from '../cache';

let db: Database;
let cache: CacheStore;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(async () => {
  await resetDb(db);
  cache = createMemoryCache({ ttlMs: 60_000 });
});

/** A caller over the test's cache: each call is a request of its own, as on a server. */
const cachedCaller = (token?: string) => callerFor(db, token, undefined, undefined, { cache });

async function admin(username = 'root') {
  const account = await signUp(db, { username });
  await db.update(users).set({ role: 'admin' }).where(eq(users.username, username));
  return { ...account, caller: cachedCaller(account.token) };
}

const login = (email: string, password: string) => callerFor(db).auth.login({ email, password });

describe('admin.disableUser', () => {
  it('ends every session at once, cached copies too, and refuses sign-in after a right password only', async () => {
    const root = await admin();
    const jake = await signUp(db, { username: 'jake' });
    const second = await login(jake.user.email, jake.password);
    for (const token of [jake.token, second.token]) await cachedCaller(token).auth.me(); // cached

    const done = await root.caller.admin.disableUser({ username: 'jake', reason: 'spam' });
    expect(done).toEqual({ username: 'jake', disabled: true, changed: true, endedSessions: 2 });
    for (const token of [jake.token, second.token]) {
      expect(await codeOf(cachedCaller(token).auth.me())).toBe('UNAUTHORIZED');
    }

    const wrong = await failure(login(jake.user.email, 'not the password'));
    expect([wrong.code, wrong.message]).toEqual(['UNAUTHORIZED', 'Email or password is incorrect']);
    const right = await failure(login(jake.user.email, jake.password));
    expect([right.code, right.message]).toEqual(['FORBIDDEN', 'This account is disabled']);
  });

  it('keeps the content readable', async () => {
    const root = await admin();
    const jake = await signUp(db, { username: 'jake' });
    const { article } = await jake.caller.article.create({
      title: 'Still here',
      description: 'd',
      body: 'b',
      tagList: ['kept'],
    });
    await root.caller.admin.disableUser({ username: 'jake' });
    const reader = cachedCaller();
    expect((await reader.article.get({ slug: article.slug })).article.author.username).toBe('jake');
    expect((await reader.profile.get({ username: 'jake' })).profile.username).toBe('jake');
    expect((await reader.tag.list()).tags).toEqual(['kept']);
  });

  it('is undone by admin.enableUser: sign-in works again', async () => {
    const root = await admin();
    const jake = await signUp(db, { username: 'jake' });
    await root.caller.admin.disableUser({ username: 'jake' });
    // Twice is no second change: the first time stays, one audit entry.
    expect((await root.caller.admin.disableUser({ username: 'JAKE' })).changed).toBe(false);
    expect(await root.caller.admin.enableUser({ username: 'jake' })).toEqual({
      username: 'jake',
      disabled: false,
      changed: true,
      endedSessions: 0,
    });
    const { token } = await login(jake.user.email, jake.password);
    expect((await cachedCaller(token).auth.me()).user.username).toBe('jake');
    expect((await root.caller.admin.enableUser({ username: 'jake' })).changed).toBe(false);
  });

  it('is audited, with the reason and the sessions ended; so is a refused sign-in', async () => {
    const root = await admin();
    const jake = await signUp(db, { username: 'jake' });
    const [row] = await db.select({ id: users.id }).from(users).where(eq(users.username, 'jake'));
    await root.caller.admin.disableUser({ username: 'jake', reason: 'spam' });
    await root.caller.admin.disableUser({ username: 'jake' });
    await codeOf(login(jake.user.email, jake.password));
    await root.caller.admin.enableUser({ username: 'jake' });
    const { entries } = await root.caller.admin.auditLog();
    const mine = entries.filter((e) => e.action.startsWith('admin.user.'));
    expect(mine.map((e) => [e.action, e.actor?.username, e.targetId, e.details])).toEqual([
      ['admin.user.enable', 'root', String(row?.id), { username: 'jake' }],
      [
        'admin.user.disable',
        'root',
        String(row?.id),
        { username: 'jake', reason: 'spam', endedSessions: 1 },
      ],
    ]);
    const [refused] = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'auth.login.failed'));
    expect(refused).toMatchObject({
      actorId: row?.id,
      details: { email: 'jake@example.com', reason: 'account disabled' },
    });
  });

  it('is for admins only', async () => {
    await admin();
    const jake = await signUp(db, { username: 'jake' });
    const mod = await signUp(db, { username: 'mod' });
    await db.update(users).set({ role: 'moderator' }).where(eq(users.username, 'mod'));
    const modCaller = cachedCaller((await login(mod.user.email, mod.password)).token);
    expect(await codeOf(jake.caller.admin.disableUser({ username: 'mod' }))).toBe('FORBIDDEN');
    expect(await codeOf(modCaller.admin.disableUser({ username: 'jake' }))).toBe('FORBIDDEN');
    expect(await codeOf(modCaller.admin.enableUser({ username: 'jake' }))).toBe('FORBIDDEN');
    expect(await codeOf(callerFor(db).admin.disableUser({ username: 'jake' }))).toBe(
      'UNAUTHORIZED',
    );
    expect((await jake.caller.auth.me()).user.username).toBe('jake');
  });

  it('refuses an admin disabling themselves, and an unknown name', async () => {
    const root = await admin();
    const self = await failure(root.caller.admin.disableUser({ username: 'ROOT' }));
    expect([self.code, self.message]).toEqual([
      'FORBIDDEN',
      'Admins cannot disable their own account',
    ]);
    expect(await codeOf(root.caller.admin.disableUser({ username: 'nobody' }))).toBe('NOT_FOUND');
    expect(await codeOf(root.caller.admin.enableUser({ username: 'nobody' }))).toBe('NOT_FOUND');
  });

  it('never leaves the site without an active admin, even when two disable each other at once', async () => {
    const one = await admin('one');
    const two = await admin('two');
    const outcomes = await Promise.allSettled([
      one.caller.admin.disableUser({ username: 'two' }),
      two.caller.admin.disableUser({ username: 'one' }),
    ]);
    const active = await db
      .select({ username: users.username })
      .from(users)
      .where(eq(users.role, 'admin'));
    const disabled = await db.select({ at: users.disabledAt }).from(users);
    expect(active).toHaveLength(2);
    expect(disabled.filter((row) => row.at === null).length).toBeGreaterThanOrEqual(1);
    // One of them goes through; the other is refused (the last admin) or finds its session ended.
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(['FORBIDDEN', 'UNAUTHORIZED']).toContain((outcome.reason as { code: string }).code);
      }
    }
  });
});
