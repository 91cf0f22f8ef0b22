// Signing in with a passkey (issue 14 item 6): WebAuthn §7.2's checks, each refusal shown with a
// soft authenticator made to do the wrong thing, and the session a success starts.
import type { Database } from '@conduit/db';
import { auditLog, eq, passkeys, sessions, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, cookieJar, failure, refusedFields, signUp } from '../../test/callers';
import { addPasskey, signInWithPasskey } from '../../test/passkeys';
import { type Faults, SoftAuthenticator } from '../../test/soft-authenticator';
import { defaultAuthLimits } from '../context';
import type { RateLimiter } from '../limits';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const MINUTE = 60_000;

async function auditOf(action: string) {
  return db.select().from(auditLog).where(eq(auditLog.action, action));
}

/** Options, then the authenticator's answer with `faults`: the refusal it gets. */
async function refusalFor(authenticator: SoftAuthenticator, faults: Faults) {
  const caller = callerFor(db);
  const { challengeId, options } = await caller.auth.passkeyOptions();
  const response = authenticator.signIn(options, faults);
  return failure(caller.auth.passkeyLogin({ challengeId, response }));
}

describe('auth.passkeyOptions', () => {
  it('asks any passkey of this site (no allow-list), user-verified, with a fresh challenge', async () => {
    const first = await callerFor(db).auth.passkeyOptions();
    const second = await callerFor(db).auth.passkeyOptions();
    expect(first.options).toMatchObject({
      rpId: 'localhost',
      allowCredentials: [],
      userVerification: 'required',
    });
    expect(first.options.challenge).not.toBe(second.options.challenge);
    expect(first.challengeId).not.toBe(second.challengeId);
  });
});

describe('auth.passkeyLogin', () => {
  it('signs the owner in with a new session, cookie and token, and records the use', async () => {
    const { caller, user } = await signUp(db, { username: 'pia' });
    const { authenticator, passkey } = await addPasskey(caller);
    const jar = cookieJar();
    const anonymous = callerFor(db, undefined, jar);
    const { challengeId, options } = await anonymous.auth.passkeyOptions();
    const result = await anonymous.auth.passkeyLogin({
      challengeId,
      response: authenticator.signIn(options),
    });
    expect(result.user).toEqual(user);
    expect(jar.token).toBe(result.token);
    expect(await callerFor(db, result.token).auth.me()).toEqual({ user });

    const [stored] = await db.select().from(passkeys);
    expect(stored?.counter).toBe(1);
    expect(stored?.lastUsedAt).toBeInstanceOf(Date);
    expect((await callerFor(db, result.token).passkey.list()).passkeys[0]?.lastUsedAt).not.toBe(
      passkey.lastUsedAt,
    );
    const [ok] = await auditOf('auth.login.ok');
    expect(ok).toMatchObject({ actorId: 1, details: { method: 'passkey', passkey: passkey.id } });
  });

  it('counts as a sign-in for sudo mode: the new session may add a passkey unasked', async () => {
    const { caller } = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    const { token } = await signInWithPasskey(db, authenticator);
    await expect(callerFor(db, token).passkey.registrationOptions()).resolves.toBeTruthy();
    const [session] = await db
      .select()
      .from(sessions)
      .where(eq(sessions.id, token.split('.')[0] ?? ''));
    expect(Date.now() - (session?.authenticatedAt.getTime() ?? 0)).toBeLessThan(MINUTE);
  });

  it('signs in again and again with an authenticator that counts, and one that does not', async () => {
    const { caller } = await signUp(db);
    const counting = (await addPasskey(caller, 'key')).authenticator;
    const synced = (await addPasskey(caller, 'phone', false)).authenticator;
    for (let i = 0; i < 3; i += 1) {
      await signInWithPasskey(db, counting);
      await signInWithPasskey(db, synced);
    }
    const counters = (await db.select().from(passkeys)).map((p) => [p.name, p.counter]);
    expect(counters.sort()).toEqual([
      ['key', 3],
      ['phone', 0],
    ]);
  });

  it('refuses a counter that went backwards (a copied authenticator), per WebAuthn §6.1.1', async () => {
    const { caller } = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    await signInWithPasskey(db, authenticator);
    await signInWithPasskey(db, authenticator);
    for (const counter of [2, 1, 0]) {
      const error = await refusalFor(authenticator, { counter });
      expect(error.code).toBe('UNAUTHORIZED');
      expect(error.message).toMatch(/counter went backwards/);
    }
    expect((await db.select().from(passkeys))[0]?.counter).toBe(2);
  });

  it('uses a challenge once, and not after five minutes', async () => {
    const { caller } = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    const anonymous = callerFor(db);
    const first = await anonymous.auth.passkeyOptions();
    const response = authenticator.signIn(first.options);
    await anonymous.auth.passkeyLogin({ challengeId: first.challengeId, response });
    expect(
      await refusedFields(
        anonymous.auth.passkeyLogin({ challengeId: first.challengeId, response }),
      ),
    ).toEqual(['challengeId']);

    const second = await anonymous.auth.passkeyOptions();
    const late = callerFor(db, undefined, cookieJar(), undefined, {
      now: () => new Date(Date.now() + 6 * MINUTE),
    });
    const call = late.auth.passkeyLogin({
      challengeId: second.challengeId,
      response: authenticator.signIn(second.options),
    });
    expect(await refusedFields(call)).toEqual(['challengeId']);
  });

  it('lets one of two racing answers to one challenge through, never both', async () => {
    const { caller } = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    const { challengeId, options } = await callerFor(db).auth.passkeyOptions();
    const response = authenticator.signIn(options);
    const results = await Promise.allSettled([
      callerFor(db).auth.passkeyLogin({ challengeId, response }),
      callerFor(db).auth.passkeyLogin({ challengeId, response }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await db.select().from(sessions)).toHaveLength(2); // the sign-up's and one more
  });

  it('refuses a registration challenge offered as a sign-in one', async () => {
    const { caller } = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    const { challengeId, options } = await caller.passkey.registrationOptions();
    const response = authenticator.signIn({ challenge: options.challenge });
    expect(await refusedFields(callerFor(db).auth.passkeyLogin({ challengeId, response }))).toEqual(
      ['challengeId'],
    );
  });

  it.each<[string, Faults, RegExp]>([
    ['another origin', { origin: 'https://evil.example' }, /origin/i],
    ['another relying party', { rpId: 'evil.example' }, /RP ID/i],
    ['another challenge', { challenge: 'c29tZXRoaW5nIGVsc2U' }, /challenge/i],
    ['no user verification', { unverified: true }, /verif/i],
    ['another account’s user handle', { userHandle: 'Y29uZHVpdDoy' }, /another account/],
  ])('refuses an assertion made for %s', async (_what, faults, message) => {
    const { caller } = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    const error = await refusalFor(authenticator, faults);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(message);
    expect(await db.select().from(sessions)).toHaveLength(1); // the sign-up's only
    const [failed] = await auditOf('auth.login.failed');
    expect(failed).toMatchObject({ actorId: 1, details: { method: 'passkey' } });
  });

  it('refuses a signature made by another key for a registered credential id', async () => {
    const { caller } = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    const impostor = new SoftAuthenticator();
    const anonymous = callerFor(db);
    const { challengeId, options } = await anonymous.auth.passkeyOptions();
    const forged = impostor.signIn(options);
    const response = {
      ...forged,
      id: authenticator.credentialId,
      rawId: authenticator.credentialId,
    };
    const error = await failure(anonymous.auth.passkeyLogin({ challengeId, response }));
    expect(error.code).toBe('UNAUTHORIZED');
  });

  it('refuses an unknown passkey, such as one removed', async () => {
    const { caller } = await signUp(db);
    const { authenticator, passkey } = await addPasskey(caller);
    await caller.passkey.remove({ id: passkey.id });
    const error = await refusalFor(authenticator, {});
    expect([error.code, error.message]).toEqual([
      'UNAUTHORIZED',
      'Passkey refused: this passkey is not registered here (it may have been removed)',
    ]);
    const [failed] = await auditOf('auth.login.failed');
    expect(failed).toMatchObject({ actorId: null, details: { method: 'passkey' } });
  });

  it('refuses a disabled account, after the passkey is proven', async () => {
    const { caller } = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    await db.update(users).set({ disabledAt: new Date() });
    const error = await refusalFor(authenticator, {});
    expect([error.code, error.message]).toEqual(['FORBIDDEN', 'This account has been disabled']);
    expect(await db.select().from(sessions)).toHaveLength(1);
    const [failed] = await auditOf('auth.login.failed');
    expect(failed?.details).toMatchObject({ method: 'passkey', reason: 'account disabled' });
  });

  it('refuses garbage with a 400, never a 500', async () => {
    const { challengeId } = await callerFor(db).auth.passkeyOptions();
    const good = new SoftAuthenticator().signIn({ challenge: 'AAAA' });
    const inputs: unknown[] = [
      {},
      { challengeId },
      { challengeId, response: {} },
      { challengeId, response: { ...good, response: { ...good.response, signature: '' } } },
      { challengeId: 'has spaces', response: good },
      { challengeId, response: { ...good, id: 'x'.repeat(2000) } },
    ];
    for (const input of inputs) {
      const call = callerFor(db).auth.passkeyLogin(
        input as { challengeId: string; response: typeof good },
      );
      expect(await codeOf(call)).toBe('BAD_REQUEST');
    }
  });

  it('answers bytes that are no assertion with a 401, not a 500', async () => {
    const { caller } = await signUp(db);
    const { authenticator } = await addPasskey(caller);
    const anonymous = callerFor(db);
    const { challengeId, options } = await anonymous.auth.passkeyOptions();
    const good = authenticator.signIn(options);
    const response = {
      ...good,
      response: { ...good.response, authenticatorData: 'AAAA', clientDataJSON: 'e30' },
    };
    expect(await codeOf(anonymous.auth.passkeyLogin({ challengeId, response }))).toBe(
      'UNAUTHORIZED',
    );
  });

  it('stops answering an IP after its failures reach the limit, as password sign-in does', async () => {
    const counts = new Map<string, number>();
    const limiter: RateLimiter = {
      async hit(key, max) {
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        return { allowed: max <= 0 || n <= max, remaining: max - n, retryAfterMs: 60_000 };
      },
      async peek(key, max) {
        const n = counts.get(key) ?? 0;
        return { allowed: max <= 0 || n < max, remaining: max - n, retryAfterMs: 60_000 };
      },
      async reset(key) {
        counts.delete(key);
      },
    };
    const limits = { ...defaultAuthLimits, loginFailuresPerIp: { max: 2, windowMs: MINUTE } };
    const throttled = callerFor(db, undefined, cookieJar(), limiter, { limits });
    const { challengeId, options } = await throttled.auth.passkeyOptions();
    const response = new SoftAuthenticator().signIn(options);
    for (let i = 0; i < 2; i += 1) {
      expect(await codeOf(throttled.auth.passkeyLogin({ challengeId: `x${i}`, response }))).toBe(
        'BAD_REQUEST',
      );
    }
    const error = await failure(throttled.auth.passkeyLogin({ challengeId, response }));
    expect(error.code).toBe('TOO_MANY_REQUESTS');
    // Password guesses from that IP are stopped too: one counter of failures per IP.
    expect(
      await codeOf(throttled.auth.login({ email: 'a@example.com', password: 'whatever it is' })),
    ).toBe('TOO_MANY_REQUESTS');
  });
});
