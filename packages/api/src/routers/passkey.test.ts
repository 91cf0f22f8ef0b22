// Adding, listing, renaming and removing passkeys (issue 14 item 6), with a soft authenticator.
import type { Database } from '@conduit/db';
import { auditLog, eq, passkeys } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, cookieJar, failure, refusedFields, signUp } from '../../test/callers';
import { addPasskey } from '../../test/passkeys';
import { SoftAuthenticator } from '../../test/soft-authenticator';
import { MAX_PASSKEYS_PER_USER } from '../services/passkeys';
import {
  countChallenges,
  purgeExpiredChallenges,
  storeChallenge,
} from '../services/webauthn-challenges';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const MINUTE = 60_000;
/** A caller whose clock runs `ms` ahead: a session signed in that long ago, or a late answer. */
const later = (token: string, ms: number) =>
  callerFor(db, token, cookieJar(), undefined, { now: () => new Date(Date.now() + ms) });

describe('passkey.registrationOptions', () => {
  it('asks for a discoverable, user-verified credential of this site, excluding the ones held', async () => {
    const { caller, user } = await signUp(db, { username: 'opal' });
    const first = await caller.passkey.registrationOptions();
    expect(first.options).toMatchObject({
      rp: { id: 'localhost', name: 'Conduit' },
      user: { name: 'opal', displayName: 'opal' },
      attestation: 'none',
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    // No personal data in the user handle (WebAuthn §14.6.1).
    const handle = Buffer.from(first.options.user.id, 'base64url').toString();
    expect(handle).not.toContain('opal');
    expect(handle).not.toContain(user.email);

    const { passkey } = await addPasskey(caller);
    const second = await caller.passkey.registrationOptions();
    expect(second.options.excludeCredentials?.map((c) => c.id)).toEqual([passkey.id]);
    expect(second.options.challenge).not.toBe(first.options.challenge);
  });

  it('takes the relying party from the public origin, or from its own setting', async () => {
    const { token } = await signUp(db);
    const fromOrigin = callerFor(db, token, cookieJar(), undefined, {
      accounts: {
        publicOrigin: 'https://conduit.example.com',
        reauthWindowMs: 10 * MINUTE,
        requireVerifiedEmail: false,
      },
    });
    expect((await fromOrigin.passkey.registrationOptions()).options.rp.id).toBe(
      'conduit.example.com',
    );
    const configured = callerFor(db, token, cookieJar(), undefined, {
      accounts: {
        publicOrigin: 'https://www.example.com',
        reauthWindowMs: 10 * MINUTE,
        requireVerifiedEmail: false,
        webauthn: { rpId: 'example.com', rpName: 'Example', origins: ['https://www.example.com'] },
      },
    });
    expect((await configured.passkey.registrationOptions()).options.rp).toEqual({
      id: 'example.com',
      name: 'Example',
    });
  });

  it('needs a recent sign-in or the current password (sudo mode)', async () => {
    const { token, password } = await signUp(db);
    const stale = later(token, 11 * MINUTE);
    expect(await refusedFields(stale.passkey.registrationOptions())).toEqual(['currentPassword']);
    expect(
      await refusedFields(stale.passkey.registrationOptions({ currentPassword: 'not it at all' })),
    ).toEqual(['currentPassword']);
    const { challengeId } = await stale.passkey.registrationOptions({ currentPassword: password });
    expect(challengeId).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('needs a session', async () => {
    expect(await codeOf(callerFor(db).passkey.registrationOptions())).toBe('UNAUTHORIZED');
    expect(await codeOf(callerFor(db).passkey.list())).toBe('UNAUTHORIZED');
  });
});

describe('passkey.register', () => {
  it('keeps the verified credential, uses up its challenge and writes the audit log', async () => {
    const { caller } = await signUp(db);
    const { authenticator, passkey } = await addPasskey(caller, 'work laptop');
    expect(passkey).toMatchObject({
      id: authenticator.credentialId,
      name: 'work laptop',
      deviceType: 'singleDevice',
      backedUp: false,
      transports: ['internal'],
      lastUsedAt: null,
    });
    expect(await caller.passkey.list()).toEqual({ passkeys: [passkey] });
    const [stored] = await db.select().from(passkeys);
    expect(stored?.publicKey.byteLength).toBeGreaterThan(60);
    expect(await countChallenges(db)).toBe(0);
    const [entry] = await db.select().from(auditLog).where(eq(auditLog.action, 'auth.passkey.add'));
    expect(entry).toMatchObject({ actorId: 1, targetType: 'passkey', targetId: passkey.id });
  });

  it('refuses a challenge used, expired, of another user or never issued', async () => {
    const { caller, token } = await signUp(db);
    const other = await signUp(db);
    const authenticator = new SoftAuthenticator();
    const { challengeId, options } = await caller.passkey.registrationOptions();
    const response = authenticator.register(options);
    // Another user cannot use (or burn) it.
    expect(
      await refusedFields(other.caller.passkey.register({ challengeId, response, name: 'x' })),
    ).toEqual(['challengeId']);
    // Six minutes later it has expired (five are given).
    expect(
      await refusedFields(
        later(token, 6 * MINUTE).passkey.register({ challengeId, response, name: 'x' }),
      ),
    ).toEqual(['challengeId']);
    // The expired attempt used it up: in time or not, it is gone.
    expect(
      await refusedFields(caller.passkey.register({ challengeId, response, name: 'x' })),
    ).toEqual(['challengeId']);
    expect(
      await refusedFields(
        caller.passkey.register({ challengeId: 'never-issued', response, name: 'x' }),
      ),
    ).toEqual(['challengeId']);
    expect(await db.select().from(passkeys)).toEqual([]);
  });

  it('uses a challenge once', async () => {
    const { caller } = await signUp(db);
    const authenticator = new SoftAuthenticator();
    const { challengeId, options } = await caller.passkey.registrationOptions();
    const response = authenticator.register(options);
    await caller.passkey.register({ challengeId, response, name: 'one' });
    expect(
      await refusedFields(caller.passkey.register({ challengeId, response, name: 'two' })),
    ).toEqual(['challengeId']);
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['another relying party', { rpId: 'evil.example' }],
    ['another challenge', { challenge: 'c29tZXRoaW5nIGVsc2U' }],
    ['no user verification', { unverified: true }],
  ])('refuses an answer made for %s, naming the response', async (_what, faults) => {
    const { caller } = await signUp(db);
    const { challengeId, options } = await caller.passkey.registrationOptions();
    const response = new SoftAuthenticator().register(options, faults);
    const error = await failure(caller.passkey.register({ challengeId, response, name: 'x' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^response: /);
    expect(await db.select().from(passkeys)).toEqual([]);
  });

  it('refuses bytes that are no attestation, and shapes that are no response, with a 400', async () => {
    const { caller } = await signUp(db);
    const { challengeId, options } = await caller.passkey.registrationOptions();
    const good = new SoftAuthenticator().register(options);
    const garbage = {
      ...good,
      response: { ...good.response, attestationObject: 'AAAAAAAA' },
    };
    expect(
      await refusedFields(caller.passkey.register({ challengeId, response: garbage, name: 'x' })),
    ).toEqual(['response']);
    const second = await caller.passkey.registrationOptions();
    const shapes: unknown[] = [
      {},
      { ...good, type: 'password' },
      { ...good, id: 'not base64url!' },
      { ...good, response: { clientDataJSON: good.response.clientDataJSON } },
    ];
    for (const response of shapes) {
      const call = caller.passkey.register({
        challengeId: second.challengeId,
        response: response as typeof good,
        name: 'x',
      });
      expect(await codeOf(call)).toBe('BAD_REQUEST');
    }
  });

  it('refuses a credential already registered, to this account or another', async () => {
    const { caller } = await signUp(db);
    const other = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    for (const who of [caller, other.caller]) {
      const { challengeId, options } = await who.passkey.registrationOptions();
      const error = await failure(
        who.passkey.register({
          challengeId,
          response: authenticator.register(options),
          name: 'again',
        }),
      );
      expect([error.code, error.message]).toEqual([
        'CONFLICT',
        'response: this passkey is already registered',
      ]);
    }
  });

  it('refuses names the database could not keep', async () => {
    const { caller } = await signUp(db);
    const { challengeId, options } = await caller.passkey.registrationOptions();
    const response = new SoftAuthenticator().register(options);
    for (const name of ['', '   ', 'x'.repeat(65), 'nul\u0000']) {
      expect(await refusedFields(caller.passkey.register({ challengeId, response, name }))).toEqual(
        ['name'],
      );
    }
  });

  it(`keeps at most ${MAX_PASSKEYS_PER_USER} per account`, async () => {
    const { caller } = await signUp(db);
    await addPasskey(caller);
    const [{ userId }] = (await db.select({ userId: passkeys.userId }).from(passkeys)) as [
      { userId: number },
    ];
    await db.insert(passkeys).values(
      Array.from({ length: MAX_PASSKEYS_PER_USER - 1 }, (_, i) => ({
        id: `filler${i}`,
        userId,
        publicKey: new Uint8Array([1]),
        deviceType: 'singleDevice',
        name: `filler ${i}`,
      })),
    );
    expect(await refusedFields(caller.passkey.registrationOptions())).toEqual(['passkeys']);
  });
});

describe('passkey.rename and passkey.remove', () => {
  it('renames one of your own passkeys, and no one else’s', async () => {
    const { caller } = await signUp(db);
    const other = await signUp(db);
    const { passkey } = await addPasskey(caller);
    const { passkey: renamed } = await caller.passkey.rename({ id: passkey.id, name: ' phone ' });
    expect(renamed).toEqual({ ...passkey, name: 'phone' });
    expect(await codeOf(other.caller.passkey.rename({ id: passkey.id, name: 'mine' }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(other.caller.passkey.remove({ id: passkey.id }))).toBe('NOT_FOUND');
    expect((await caller.passkey.list()).passkeys.map((p) => p.name)).toEqual(['phone']);
  });

  it('removes with a recent sign-in or the current password, and writes the audit log', async () => {
    const { caller, token, password } = await signUp(db);
    const { passkey } = await addPasskey(caller);
    const stale = later(token, 11 * MINUTE);
    expect(await refusedFields(stale.passkey.remove({ id: passkey.id }))).toEqual([
      'currentPassword',
    ]);
    expect((await caller.passkey.list()).passkeys).toHaveLength(1);
    expect(await stale.passkey.remove({ id: passkey.id, currentPassword: password })).toEqual({
      removed: passkey.id,
    });
    expect((await caller.passkey.list()).passkeys).toEqual([]);
    // The password renewed the session's proof (at the stale clock's time): no need to ask again.
    expect(await codeOf(stale.passkey.remove({ id: passkey.id }))).toBe('NOT_FOUND');
    const actions = (await db.select().from(auditLog)).map((e) => e.action);
    expect(actions).toContain('auth.passkey.remove');
  });
});

describe('abandoned ceremonies', () => {
  it('leave challenges that housekeeping purges once expired, and not before', async () => {
    const now = new Date(Date.UTC(2026, 11, 6));
    const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    await storeChallenge(db, { purpose: 'authentication', userId: null, challenge: 'abc', now });
    expect(await purgeExpiredChallenges(db, later(4))).toBe(0);
    expect(await countChallenges(db)).toBe(1);
    expect(await purgeExpiredChallenges(db, later(6))).toBe(1);
    expect(await countChallenges(db)).toBe(0);
  });
});
