import { type Database, eq, users } from '@conduit/db';
import { createUser, getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../audit';
import { noSessionCopies, type SessionCopies } from '../ending-sessions';
import { verifyPassword } from '../passwords';
import { createSession, listUserSessions } from '../sessions';
import { createAdmin, promoteToAdmin, setDisabled } from './admin-actions';

let db: Database;

beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(async () => {
  await resetDb(db);
});

async function roleOf(id: number) {
  const [user] = await db.select({ role: users.role }).from(users).where(eq(users.id, id));
  return user?.role;
}

describe('promoteToAdmin', () => {
  it('promotes by username or email in any case, ends the sessions and writes the audit log', async () => {
    const alice = await createUser(db, { username: 'Alice', role: 'moderator' });
    const bob = await createUser(db, { username: 'bob' });
    const alices = [await createSession(db, alice.id), await createSession(db, alice.id)];
    const bobs = await createSession(db, bob.id);
    // The servers' copies, told once the promotion committed: by then the sessions are gone.
    const told: { ids: string[]; stillStored: number }[] = [];
    const copies: SessionCopies = {
      async forget(ids) {
        const stored = await listUserSessions(db, alice.id);
        told.push({ ids: [...ids].sort(), stillStored: stored.length });
      },
    };

    expect(await promoteToAdmin(db, 'ALICE', copies)).toEqual({
      outcome: 'promoted',
      username: 'Alice',
      from: 'moderator',
      endedSessions: 2,
    });
    expect(await roleOf(alice.id)).toBe('admin');
    expect(await listUserSessions(db, alice.id)).toEqual([]);
    expect(await listUserSessions(db, bob.id)).toEqual([bobs.session]);
    expect(told).toEqual([{ ids: alices.map((s) => s.session.id).sort(), stillStored: 0 }]);
    const { entries } = await listAudit(db, { limit: 10 });
    expect(entries).toMatchObject([
      {
        action: 'admin.role.set',
        actor: null,
        targetType: 'user',
        targetId: String(alice.id),
        details: { from: 'moderator', to: 'admin', via: 'cli' },
      },
    ]);

    expect(await promoteToAdmin(db, 'Bob@Example.com', noSessionCopies)).toMatchObject({
      outcome: 'promoted',
    });
    expect(await roleOf(bob.id)).toBe('admin');
  });

  it('changes nothing for an admin, and finds no one for an unknown name', async () => {
    const root = await createUser(db, { username: 'root', role: 'admin' });
    await createSession(db, root.id);
    expect(await promoteToAdmin(db, 'root', noSessionCopies)).toEqual({
      outcome: 'unchanged',
      username: 'root',
    });
    expect(await listUserSessions(db, root.id)).toHaveLength(1);
    expect(await promoteToAdmin(db, 'nobody', noSessionCopies)).toEqual({ outcome: 'unknown' });
    expect((await listAudit(db, { limit: 10 })).entries).toEqual([]);
  });
});

describe('createAdmin', () => {
  it('creates an admin who can sign in with the password, and writes the audit log', async () => {
    const result = await createAdmin(db, {
      email: 'Root@Example.com',
      username: 'root',
      password: 'long enough password',
    });
    expect(result).toMatchObject({ outcome: 'created', username: 'root' });
    const [user] = await db.select().from(users).where(eq(users.username, 'root'));
    expect(user?.role).toBe('admin');
    expect(await verifyPassword(user?.passwordHash ?? '', 'long enough password')).toBe(true);
    expect((await listAudit(db, { limit: 10 })).entries).toMatchObject([
      { action: 'admin.role.set', actor: null, details: { from: null, to: 'admin', via: 'cli' } },
    ]);
  });

  it('refuses an email or username already taken, whatever the case', async () => {
    await createUser(db, { username: 'alice' });
    const password = 'long enough password';
    expect(
      await createAdmin(db, { email: 'ALICE@example.com', username: 'other', password }),
    ).toEqual({ outcome: 'taken', field: 'email' });
    expect(
      await createAdmin(db, { email: 'other@example.com', username: 'ALICE', password }),
    ).toEqual({ outcome: 'taken', field: 'username' });
    expect(await db.select().from(users)).toHaveLength(1);
  });
});

describe('setDisabled', () => {
  it('disables by username or email, ends the sessions (servers told after the commit) and audits', async () => {
    const alice = await createUser(db, { username: 'Alice' });
    const bob = await createUser(db, { username: 'bob' });
    await createSession(db, alice.id);
    await createSession(db, alice.id);
    const bobs = await createSession(db, bob.id);
    const told: { ids: number; stillStored: number }[] = [];
    const copies: SessionCopies = {
      async forget(ids) {
        told.push({ ids: ids.length, stillStored: (await listUserSessions(db, alice.id)).length });
      },
    };
    expect(await setDisabled(db, 'ALICE@example.com', true, copies, 'spam')).toEqual({
      outcome: 'changed',
      username: 'Alice',
      endedSessions: 2,
    });
    expect(told).toEqual([{ ids: 2, stillStored: 0 }]);
    expect(await listUserSessions(db, bob.id)).toEqual([bobs.session]);
    expect(await setDisabled(db, 'alice', true, noSessionCopies)).toEqual({
      outcome: 'unchanged',
      username: 'Alice',
    });
    expect(await setDisabled(db, 'alice', false, noSessionCopies)).toMatchObject({
      outcome: 'changed',
      endedSessions: 0,
    });
    const [row] = await db.select().from(users).where(eq(users.id, alice.id));
    expect(row?.disabledAt).toBeNull();
    expect((await listAudit(db, { limit: 10 })).entries).toMatchObject([
      { action: 'admin.user.enable', actor: null, details: { username: 'Alice', via: 'cli' } },
      {
        action: 'admin.user.disable',
        actor: null,
        targetId: String(alice.id),
        details: { username: 'Alice', via: 'cli', endedSessions: 2, reason: 'spam' },
      },
    ]);
    expect(await setDisabled(db, 'nobody', true, noSessionCopies)).toEqual({ outcome: 'unknown' });
  });

  it('never disables the last active admin', async () => {
    const root = await createUser(db, { username: 'root', role: 'admin' });
    expect(await setDisabled(db, 'root', true, noSessionCopies)).toEqual({
      outcome: 'last-admin',
      username: 'root',
    });
    await createUser(db, { username: 'second', role: 'admin' });
    expect(await setDisabled(db, 'root', true, noSessionCopies)).toMatchObject({
      outcome: 'changed',
    });
    expect(await setDisabled(db, 'second', true, noSessionCopies)).toMatchObject({
      outcome: 'last-admin',
    });
    expect(root.id).toBeGreaterThan(0);
  });
});
