import { type Database, sessions } from '@conduit/db';
import { createUser, getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  endSessions,
  noSessionCopies,
  type SessionCopies,
  type SessionsToEnd,
} from './ending-sessions';
import { createSession, listUserSessions, validateSessionToken } from './sessions';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(async () => {
  await resetDb(db);
});

/** Copies that record what they were told to forget, and what the database held at that moment. */
function recordingCopies() {
  const told: { ids: string[]; stillStored: number }[] = [];
  const copies: SessionCopies = {
    async forget(ids) {
      const stored = await db.select({ id: sessions.id }).from(sessions);
      told.push({
        ids: [...ids].sort(),
        stillStored: stored.filter((s) => ids.includes(s.id)).length,
      });
    },
  };
  return { copies, told };
}

describe('endSessions', () => {
  it('ends one session, or all of a user’s sessions but one, and counts them', async () => {
    const alice = await createUser(db);
    const bob = await createUser(db);
    const current = await createSession(db, alice.id);
    const others = [await createSession(db, alice.id), await createSession(db, alice.id)];
    const bobs = await createSession(db, bob.id);
    const end = (which: SessionsToEnd) =>
      endSessions(db, noSessionCopies, (_tx, s) => s.end(which));

    expect(await end({ user: alice.id, except: current.session.id })).toBe(2);
    for (const other of others) expect(await validateSessionToken(db, other.token)).toBeNull();
    expect(await validateSessionToken(db, current.token)).not.toBeNull();

    expect(await end({ session: current.session.id })).toBe(1);
    expect(await validateSessionToken(db, current.token)).toBeNull();
    expect(await validateSessionToken(db, bobs.token)).not.toBeNull();
  });

  it('has the copies forgotten once the deletion committed, never before', async () => {
    const alice = await createUser(db);
    const one = await createSession(db, alice.id);
    const two = await createSession(db, alice.id);
    const { copies, told } = recordingCopies();
    await endSessions(db, copies, (_tx, s) => s.end({ user: alice.id }));
    expect(told).toEqual([{ ids: [one.session.id, two.session.id].sort(), stillStored: 0 }]);
  });

  it('forgets nothing, and ends nothing, when the work fails', async () => {
    const alice = await createUser(db);
    const { session } = await createSession(db, alice.id);
    const { copies, told } = recordingCopies();
    const failing = endSessions(db, copies, async (_tx, s) => {
      await s.end({ user: alice.id });
      throw new Error('the role change failed');
    });
    await expect(failing).rejects.toThrow('the role change failed');
    expect(told).toEqual([]);
    expect((await listUserSessions(db, alice.id)).map((s) => s.id)).toEqual([session.id]);
  });

  it('also forgets the sessions a changed user still has, listed after the commit', async () => {
    const alice = await createUser(db);
    const kept = await createSession(db, alice.id);
    const { copies, told } = recordingCopies();
    const signedInMeanwhile = await endSessions(db, copies, async (tx, s) => {
      s.changedUser(alice.id);
      return (await createSession(tx, alice.id)).session.id;
    });
    expect(told).toEqual([{ ids: [kept.session.id, signedInMeanwhile].sort(), stillStored: 2 }]);
  });

  it('refuses a transaction, whose commit it could not wait for', async () => {
    const alice = await createUser(db);
    await createSession(db, alice.id);
    const nested = db.transaction((tx) =>
      endSessions(tx, noSessionCopies, (_tx, s) => s.end({ user: alice.id })),
    );
    await expect(nested).rejects.toThrow(/not a transaction/);
    expect(await listUserSessions(db, alice.id)).toHaveLength(1);
  });
});
