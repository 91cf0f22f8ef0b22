// Signing in with two-factor on: the password alone never makes a session; a pending sign-in
// (single use, 5 minutes) plus a code (RFC 6238: ±1 step, never twice) or a recovery code (once)
// does. Wrong codes are throttled and audited (OWASP MFA cheat sheet; Copenhagen Book, MFA).
import { accountTokens, auditLog, type Database, eq, sessions, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, cookieJar, failure, refusedFields, signUp } from '../../test/callers';
import { codeAt, signUpWithTwoFactor, type TestClock, testClock } from '../../test/two-factor';
import { SecondFactorRequiredError } from '../errors';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

type Enrolled = Awaited<ReturnType<typeof signUpWithTwoFactor>>;

/** The password step: refused with a pending sign-in, whose token is returned. */
async function passwordStep(account: Enrolled, jar = cookieJar()): Promise<string> {
  const error = await failure(
    account
      .as(undefined, jar)
      .auth.login({ email: account.user.email, password: account.password }),
  );
  expect(error.code).toBe('UNAUTHORIZED');
  if (!(error.cause instanceof SecondFactorRequiredError)) throw error;
  return error.cause.pending.token;
}

async function sessionCount(email: string) {
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(users.email, email));
  return rows.length;
}

/** A fresh enrolled account, its clock moved past the enabling code's step. */
async function enrolled(): Promise<{ account: Enrolled; clock: TestClock }> {
  const clock = testClock();
  const account = await signUpWithTwoFactor(db, clock);
  clock.advance(5);
  return { account, clock };
}

describe('auth.login with two-factor on', () => {
  it('makes no session and sets no cookie for the right password: a pending sign-in instead', async () => {
    const { account, clock } = await enrolled();
    const before = await sessionCount(account.user.email);
    const jar = cookieJar();
    const error = await failure(
      account
        .as(undefined, jar)
        .auth.login({ email: account.user.email, password: account.password }),
    );
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toContain('authenticator app');
    const pending = (error.cause as SecondFactorRequiredError).pending;
    expect(pending.token).toMatch(/^\S+\.\S+$/);
    expect(new Date(pending.expiresAt).getTime()).toBe(clock.at.getTime() + 5 * 60_000);
    expect(jar.token).toBeUndefined();
    expect(await sessionCount(account.user.email)).toBe(before);
    // The token is not a session.
    expect(await codeOf(callerFor(db, pending.token).auth.me())).toBe('UNAUTHORIZED');
    const [row] = await db
      .select()
      .from(accountTokens)
      .where(eq(accountTokens.purpose, 'second_factor'));
    expect(row).toMatchObject({ purpose: 'second_factor', usedAt: null });
  });

  it('still answers a wrong password as before, with no pending sign-in', async () => {
    const { account } = await enrolled();
    const error = await failure(
      callerFor(db).auth.login({ email: account.user.email, password: 'not the password' }),
    );
    expect([error.code, error.message]).toEqual(['UNAUTHORIZED', 'Email or password is incorrect']);
    expect(error.cause).not.toBeInstanceOf(SecondFactorRequiredError);
    expect(
      await db.select().from(accountTokens).where(eq(accountTokens.purpose, 'second_factor')),
    ).toEqual([]);
  });

  it('the code then starts the session like a password sign-in: cookie, token, fresh authentication', async () => {
    const { account, clock } = await enrolled();
    const token = await passwordStep(account);
    const jar = cookieJar();
    const signedIn = await account
      .as(undefined, jar)
      .auth.loginSecondFactor({ token, code: codeAt(account.secret, clock.at) });
    expect(signedIn.user.username).toBe(account.user.username);
    expect(jar.token).toBe(signedIn.token);
    expect((await callerFor(db, signedIn.token).auth.me()).user.email).toBe(account.user.email);
    // A sign-in with both factors counts as recent for sudo mode.
    await account.as(signedIn.token).twoFactor.regenerateRecoveryCodes();
    // The pending sign-in is used up.
    const again = await failure(
      account.as().auth.loginSecondFactor({ token, code: codeAt(account.secret, clock.at, 1) }),
    );
    expect(again.code).toBe('UNAUTHORIZED');
    expect(again.message).toContain('sign in again');
  });

  it('never accepts a code twice, nor a code older than one accepted (replay)', async () => {
    const { account, clock } = await enrolled();
    const code = codeAt(account.secret, clock.at);
    await account.as().auth.loginSecondFactor({ token: await passwordStep(account), code });
    const replayed = account
      .as()
      .auth.loginSecondFactor({ token: await passwordStep(account), code });
    expect(await refusedFields(replayed)).toEqual(['code']);
    // Nor the previous step's code, though within the ±1 window.
    const older = codeAt(account.secret, clock.at, -1);
    expect(
      await refusedFields(
        account.as().auth.loginSecondFactor({ token: await passwordStep(account), code: older }),
      ),
    ).toEqual(['code']);
  });

  it('accepts codes one step either side of now and refuses two steps away', async () => {
    const { account, clock } = await enrolled();
    const attempt = async (steps: number) =>
      account.as().auth.loginSecondFactor({
        token: await passwordStep(account),
        code: codeAt(account.secret, clock.at, steps),
      });
    expect(await refusedFields(attempt(-2))).toEqual(['code']);
    expect(await refusedFields(attempt(2))).toEqual(['code']);
    expect((await attempt(-1)).token).toBeTruthy();
    expect((await attempt(1)).token).toBeTruthy();
  });

  it('takes a recovery code once, in any case and spacing', async () => {
    const { account } = await enrolled();
    const [first = '', second = ''] = account.recoveryCodes;
    const typed = ` ${first.toUpperCase().replace('-', ' ')} `;
    const signedIn = await account
      .as()
      .auth.loginSecondFactor({ token: await passwordStep(account), recoveryCode: typed });
    expect(signedIn.user.username).toBe(account.user.username);
    expect((await account.as(signedIn.token).twoFactor.status()).recoveryCodesLeft).toBe(9);
    const reused = account
      .as()
      .auth.loginSecondFactor({ token: await passwordStep(account), recoveryCode: first });
    expect(await refusedFields(reused)).toEqual(['recoveryCode']);
    const other = await account
      .as()
      .auth.loginSecondFactor({ token: await passwordStep(account), recoveryCode: second });
    expect(other.token).toBeTruthy();
    const [ok] = await db.select().from(auditLog).where(eq(auditLog.action, 'auth.login.ok'));
    expect(ok?.details).toEqual({ secondFactor: 'recovery_code', recoveryCodesLeft: 9 });
  });

  it('lets a pending sign-in expire after 5 minutes', async () => {
    const { account, clock } = await enrolled();
    const token = await passwordStep(account);
    clock.advance(0, 5 * 60_000 - 1000);
    const inTime = await account
      .as()
      .auth.loginSecondFactor({ token, code: codeAt(account.secret, clock.at) });
    expect(inTime.token).toBeTruthy();

    const late = await passwordStep(account);
    clock.advance(0, 5 * 60_000 + 1000);
    const error = await failure(
      account.as().auth.loginSecondFactor({ token: late, code: codeAt(account.secret, clock.at) }),
    );
    expect(error.code).toBe('UNAUTHORIZED');
  });

  it('refuses tokens that are no pending sign-in, and both kinds of code at once', async () => {
    const { account, clock } = await enrolled();
    const code = codeAt(account.secret, clock.at);
    for (const token of ['garbage', `${'a'.repeat(20)}.${'b'.repeat(32)}`, account.token]) {
      expect(await codeOf(account.as().auth.loginSecondFactor({ token, code }))).toBe(
        'UNAUTHORIZED',
      );
    }
    const token = await passwordStep(account);
    expect(
      await refusedFields(
        account
          .as()
          .auth.loginSecondFactor({ token, code, recoveryCode: account.recoveryCodes[0] }),
      ),
    ).toEqual(['code']);
    expect(await refusedFields(account.as().auth.loginSecondFactor({ token }))).toEqual(['code']);
  });

  it('a newer pending sign-in voids the older one', async () => {
    const { account, clock } = await enrolled();
    const older = await passwordStep(account);
    const newer = await passwordStep(account);
    const code = codeAt(account.secret, clock.at);
    expect(await codeOf(account.as().auth.loginSecondFactor({ token: older, code }))).toBe(
      'UNAUTHORIZED',
    );
    expect((await account.as().auth.loginSecondFactor({ token: newer, code })).token).toBeTruthy();
  });

  it('a pending sign-in from before two-factor was turned off no longer works', async () => {
    const { account, clock } = await enrolled();
    const token = await passwordStep(account);
    await account.me.twoFactor.disable({ currentPassword: account.password });
    const code = codeAt(account.secret, clock.at);
    expect(await codeOf(account.as().auth.loginSecondFactor({ token, code }))).toBe('UNAUTHORIZED');
  });
});

describe('throttling wrong second factors', () => {
  const wrongCode = (right: string) => (right === '000000' ? '111111' : '000000');

  it('kills a pending sign-in after 5 wrong codes, even for the right code after', async () => {
    const { account, clock } = await enrolled();
    const right = codeAt(account.secret, clock.at);
    const token = await passwordStep(account);
    const messages: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const error = await failure(
        account.as().auth.loginSecondFactor({ token, code: wrongCode(right) }),
      );
      expect(error.code).toBe('BAD_REQUEST');
      messages.push(error.message);
    }
    expect(messages[3]).toBe('code: is incorrect or was already used');
    expect(messages[4]).toContain('last try');
    const dead = await failure(account.as().auth.loginSecondFactor({ token, code: right }));
    expect(dead.code).toBe('UNAUTHORIZED');
    const failed = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'auth.second_factor.failed'));
    expect(failed).toHaveLength(5);
    expect(failed[0]).toMatchObject({
      ip: '203.0.113.7',
      details: { method: 'totp', triesLeft: 4 },
    });
    expect(JSON.stringify(failed)).not.toContain(right);
    // A new password step gives a new pending sign-in that works.
    const fresh = await account
      .as()
      .auth.loginSecondFactor({ token: await passwordStep(account), code: right });
    expect(fresh.token).toBeTruthy();
  });

  it('refuses the account for a while after 10 wrong codes across pending sign-ins', async () => {
    const { account, clock } = await enrolled();
    const right = codeAt(account.secret, clock.at);
    for (let round = 0; round < 2; round += 1) {
      const token = await passwordStep(account);
      for (let i = 0; i < 5; i += 1) {
        await failure(account.as().auth.loginSecondFactor({ token, code: wrongCode(right) }));
      }
    }
    const token = await passwordStep(account);
    expect(await codeOf(account.as().auth.loginSecondFactor({ token, code: right }))).toBe(
      'TOO_MANY_REQUESTS',
    );
    const recovery = account.recoveryCodes[0];
    expect(
      await codeOf(account.as().auth.loginSecondFactor({ token, recoveryCode: recovery })),
    ).toBe('TOO_MANY_REQUESTS');
    // The window passes (15 minutes); the right code, in its own time, then signs in.
    clock.advance(0, 15 * 60_000);
    const later = await passwordStep(account);
    const signedIn = await account
      .as()
      .auth.loginSecondFactor({ token: later, code: codeAt(account.secret, clock.at) });
    expect(signedIn.token).toBeTruthy();
  });

  it('counts wrong recovery codes too', async () => {
    const { account } = await enrolled();
    const token = await passwordStep(account);
    for (let i = 0; i < 5; i += 1) {
      expect(
        await refusedFields(
          account.as().auth.loginSecondFactor({ token, recoveryCode: 'aaaaa-aaaaa' }),
        ),
      ).toEqual(['recoveryCode']);
    }
    const recoveryCode = account.recoveryCodes[0];
    expect(await codeOf(account.as().auth.loginSecondFactor({ token, recoveryCode }))).toBe(
      'UNAUTHORIZED',
    );
  });
});

describe('accounts without two-factor', () => {
  it('sign in with the password alone, as before, and register is unaffected', async () => {
    const { user, password } = await signUp(db);
    const jar = cookieJar();
    const signedIn = await callerFor(db, undefined, jar).auth.login({
      email: user.email,
      password,
    });
    expect(jar.token).toBe(signedIn.token);
    const token = `${'a'.repeat(20)}.${'b'.repeat(32)}`;
    expect(await codeOf(callerFor(db).auth.loginSecondFactor({ token, code: '123456' }))).toBe(
      'UNAUTHORIZED',
    );
  });
});
