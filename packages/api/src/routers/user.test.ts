import { type Database, eq, mailOutbox, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, failure, signUp } from '../../test/callers';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

describe('user.update', () => {
  it('changes profile fields and returns the account', async () => {
    const { caller } = await signUp(db, { username: 'edit' });
    const { user } = await caller.user.update({
      bio: 'I write.',
      image: 'https://img.example/a.png',
      username: 'edited',
    });
    expect(user).toMatchObject({
      bio: 'I write.',
      image: 'https://img.example/a.png',
      username: 'edited',
    });
    expect((await caller.auth.me()).user.username).toBe('edited');
    expect((await caller.user.update({ image: '' })).user.image).toBeNull();
  });

  it('refuses an image that is not an http(s) URL', async () => {
    const { caller } = await signUp(db);
    for (const image of ['javascript:alert(1)', 'data:text/html,hi', 'ftp://x.example/a']) {
      expect((await failure(caller.user.update({ image }))).code).toBe('BAD_REQUEST');
    }
    // SPEC.md: http and https; the page shows an http picture over https.
    for (const image of ['http://x.example/a.png', 'https://x.example/a.png']) {
      expect((await caller.user.update({ image })).user.image).toBe(image);
    }
  });

  it('refuses fields that cannot change here, such as the role', async () => {
    const { caller, user } = await signUp(db, { username: 'climber' });
    const error = await failure(caller.user.update({ bio: 'x', role: 'admin' } as never));
    expect(error.code).toBe('BAD_REQUEST');
    const [row] = await db.select().from(users).where(eq(users.username, user.username));
    expect(row).toMatchObject({ role: 'user', bio: null });
  });

  it('refuses a taken username, naming the field', async () => {
    await signUp(db, { username: 'taken' });
    const { caller } = await signUp(db);
    const error = await failure(caller.user.update({ username: 'TAKEN' }));
    expect([error.code, error.message]).toEqual(['CONFLICT', 'username: is already taken']);
  });

  it('names a taken username and a taken new email together, changing neither', async () => {
    await signUp(db, { username: 'taken' });
    await signUp(db, { username: 'other' });
    const { caller, user, password } = await signUp(db);
    const error = await failure(
      caller.user.update({
        username: 'Taken',
        email: 'OTHER@example.com',
        currentPassword: password,
      }),
    );
    expect(error.code).toBe('CONFLICT');
    expect(error.cause).toMatchObject({
      fields: { email: ['is already taken'], username: ['is already taken'] },
    });
    expect((await caller.auth.me()).user).toMatchObject({ username: user.username });
    // Its own name in another case is no clash.
    const renamed = await caller.user.update({ username: user.username.toUpperCase() });
    expect(renamed.user.username).toBe(user.username.toUpperCase());
  });

  it('changes the password right after sign-in, later only with the current one; ends every other session', async () => {
    const me = await signUp(db, { username: 'pw' });
    const elsewhere = await callerFor(db).auth.login({
      email: me.user.email,
      password: me.password,
    });
    // Eleven minutes after signing up: past the ten-minute window of sudo mode.
    const later = () => new Date(Date.now() + 11 * 60_000);
    const lateCaller = callerFor(db, me.token, undefined, undefined, { now: later });

    const missing = await failure(lateCaller.user.update({ password: 'a new password' }));
    expect([missing.code, missing.message]).toEqual([
      'BAD_REQUEST',
      'currentPassword: is required for this change: you signed in more than 10 minutes ago',
    ]);
    const wrong = await failure(
      lateCaller.user.update({ password: 'a new password', currentPassword: 'nope nope' }),
    );
    expect([wrong.code, wrong.message]).toEqual(['BAD_REQUEST', 'currentPassword: is incorrect']);
    // A late email change is sensitive too; the same email again is not a change.
    expect(
      (await failure(lateCaller.user.update({ email: 'elsewhere@example.com' }))).message,
    ).toMatch(/^currentPassword: is required/);
    await expect(
      lateCaller.user.update({ email: me.user.email.toUpperCase() }),
    ).resolves.toBeTruthy();

    await lateCaller.user.update({ password: 'a new password', currentPassword: me.password });
    // Proved again: the next change within the window needs no password.
    await lateCaller.user.update({ password: 'a newer password' });
    expect((await me.caller.auth.me()).user.username).toBe('pw');
    // Each change is told to the owner's address.
    const notices = await db
      .select({ to: mailOutbox.recipient })
      .from(mailOutbox)
      .where(eq(mailOutbox.template, 'password-changed'));
    // (The address is the same mailbox in capitals since the case-only change above.)
    expect(notices.map(({ to }) => to.toLowerCase())).toEqual([me.user.email, me.user.email]);
    expect((await failure(callerFor(db, elsewhere.token).auth.me())).code).toBe('UNAUTHORIZED');
    expect(
      (await failure(callerFor(db).auth.login({ email: me.user.email, password: me.password })))
        .code,
    ).toBe('UNAUTHORIZED');
    await expect(
      callerFor(db).auth.login({ email: me.user.email, password: 'a newer password' }),
    ).resolves.toMatchObject({
      user: { username: 'pw' },
    });
  });

  it('changes the password without the current one within ten minutes of signing in (the RealWorld flow)', async () => {
    const me = await signUp(db, { username: 'fresh' });
    await me.caller.user.update({ password: 'straight after sign-up' });
    await expect(
      callerFor(db).auth.login({ email: me.user.email, password: 'straight after sign-up' }),
    ).resolves.toMatchObject({ user: { username: 'fresh' } });
  });
});

describe('admin', () => {
  async function signUpAdmin() {
    const admin = await signUp(db, { username: 'boss' });
    await db.update(users).set({ role: 'admin' }).where(eq(users.username, 'boss'));
    return admin;
  }

  it('is refused to anonymous callers (401) and to users and moderators (403)', async () => {
    expect((await failure(callerFor(db).admin.auditLog())).code).toBe('UNAUTHORIZED');
    const plain = await signUp(db);
    expect((await failure(plain.caller.admin.auditLog())).code).toBe('FORBIDDEN');
    expect(
      (await failure(plain.caller.admin.setRole({ username: plain.user.username, role: 'admin' })))
        .code,
    ).toBe('FORBIDDEN');
    await db
      .update(users)
      .set({ role: 'moderator' })
      .where(eq(users.username, plain.user.username));
    expect((await failure(plain.caller.admin.auditLog())).code).toBe('FORBIDDEN');
  });

  it("lets an admin change a role, which ends that user's sessions and is audited", async () => {
    const admin = await signUpAdmin();
    const target = await signUp(db, { username: 'promoted' });
    expect(await admin.caller.admin.setRole({ username: 'Promoted', role: 'moderator' })).toEqual({
      username: 'promoted',
      role: 'moderator',
    });
    expect((await failure(target.caller.auth.me())).code).toBe('UNAUTHORIZED');
    const again = await callerFor(db).auth.login({
      email: target.user.email,
      password: target.password,
    });
    expect(again.user.role).toBe('moderator');

    const { entries } = await admin.caller.admin.auditLog({ limit: 10 });
    expect(entries.map((e) => e.action).slice(0, 2)).toEqual(['auth.login.ok', 'admin.role.set']);
    expect(entries[1]).toMatchObject({
      action: 'admin.role.set',
      actor: { username: 'boss' },
      details: { from: 'user', to: 'moderator' },
    });
  });

  it('refuses an admin changing their own role and an unknown user', async () => {
    const admin = await signUpAdmin();
    expect(
      (await failure(admin.caller.admin.setRole({ username: 'boss', role: 'user' }))).code,
    ).toBe('FORBIDDEN');
    expect(
      (await failure(admin.caller.admin.setRole({ username: 'ghost', role: 'user' }))).code,
    ).toBe('NOT_FOUND');
  });

  it('pages through the audit log, newest first', async () => {
    const admin = await signUpAdmin();
    for (let i = 0; i < 5; i++)
      await callerFor(db).auth.login({ email: admin.user.email, password: admin.password });
    const first = await admin.caller.admin.auditLog({ limit: 4 });
    expect(first.entries).toHaveLength(4);
    expect(first.nextCursor).not.toBeNull();
    const second = await admin.caller.admin.auditLog({
      limit: 4,
      cursor: first.nextCursor ?? undefined,
    });
    expect(second.entries).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.entries, ...second.entries].map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });
});
