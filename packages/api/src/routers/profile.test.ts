import type { Database } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, signUp } from '../../test/callers';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

describe('profiles', () => {
  it('shows a profile to anyone, with following false for anonymous readers', async () => {
    await signUp(db, { username: 'Author' });
    expect(await callerFor(db).profile.get({ username: 'author' })).toEqual({
      profile: { username: 'Author', bio: null, image: null, following: false },
    });
    expect(await codeOf(callerFor(db).profile.get({ username: 'nobody' }))).toBe('NOT_FOUND');
  });

  it('follows and unfollows idempotently, and reflects it in following', async () => {
    await signUp(db, { username: 'star' });
    const fan = await signUp(db, { username: 'fan' });
    expect((await fan.caller.profile.follow({ username: 'star' })).profile.following).toBe(true);
    expect((await fan.caller.profile.follow({ username: 'star' })).profile.following).toBe(true);
    expect((await fan.caller.profile.get({ username: 'star' })).profile.following).toBe(true);
    expect((await fan.caller.profile.unfollow({ username: 'star' })).profile.following).toBe(false);
    expect((await fan.caller.profile.unfollow({ username: 'star' })).profile.following).toBe(false);
    expect((await fan.caller.profile.get({ username: 'star' })).profile.following).toBe(false);
  });

  it('refuses following yourself with a clear error, and anonymous follows', async () => {
    const me = await signUp(db, { username: 'self' });
    await expect(me.caller.profile.follow({ username: 'SELF' })).rejects.toThrow(
      'You cannot follow yourself',
    );
    expect(await codeOf(callerFor(db).profile.follow({ username: 'self' }))).toBe('UNAUTHORIZED');
  });
});
