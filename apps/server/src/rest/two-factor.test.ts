// Two-factor authentication over REST: enrolment under /api/user/two-factor, and POST
// /api/users/login answering 401 with a pending sign-in that /api/users/login/second-factor
// finishes. Codes are computed with the library from the secret text, as an app would.
import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { api, errorsOf, type SignedUp, signUp } from './testing';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(() => app.close());

// Only Date is faked (timers run), so steps and expiries are where the tests put them.
const STEP_MS = 30_000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime((Math.floor(Date.now() / STEP_MS) + 1) * STEP_MS + 10_000);
});
afterEach(() => vi.useRealTimers());
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

const codeAt = (secret: string, steps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({
    timestamp: Date.now() + steps * STEP_MS,
  });

async function enrol(account: SignedUp) {
  const begun = await api(app, 'POST', '/api/user/two-factor', { token: account.token });
  expect(begun.statusCode).toBe(200);
  const { secret } = begun.json().twoFactor;
  const enabled = await api(app, 'POST', '/api/user/two-factor/enable', {
    token: account.token,
    body: { twoFactor: { code: codeAt(secret) } },
  });
  expect(enabled.statusCode).toBe(200);
  return {
    secret: secret as string,
    recoveryCodes: enabled.json().twoFactor.recoveryCodes as string[],
  };
}

async function pendingSignIn(account: SignedUp): Promise<string> {
  const res = await api(app, 'POST', '/api/users/login', {
    body: { user: { email: account.email, password: account.password } },
  });
  expect(res.statusCode).toBe(401);
  return res.json().secondFactor.token;
}

describe('enrolment at /api/user/two-factor', () => {
  it('begins, refuses a wrong code, enables with a right one and shows ten recovery codes', async () => {
    const me = await signUp(app);
    const off = await api(app, 'GET', '/api/user/two-factor', { token: me.token });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({
      twoFactor: { enabled: false, enabledAt: null, pending: false, recoveryCodesLeft: 0 },
    });
    expect(off.headers['cache-control']).toBe('no-store');

    const begun = await api(app, 'POST', '/api/user/two-factor', { token: me.token });
    expect(begun.statusCode).toBe(200);
    const { otpauthUri, secret, qrCode } = begun.json().twoFactor;
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Conduit:/);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);

    const wrong = codeAt(secret) === '000000' ? '111111' : '000000';
    const refused = await api(app, 'POST', '/api/user/two-factor/enable', {
      token: me.token,
      body: { twoFactor: { code: wrong } },
    });
    expect(refused.statusCode).toBe(422);
    expect(errorsOf(refused)[0]).toMatch(/^code is not the code your authenticator app shows/);
    const malformed = await api(app, 'POST', '/api/user/two-factor/enable', {
      token: me.token,
      body: { twoFactor: { code: 'abc' } },
    });
    expect(errorsOf(malformed)).toEqual(['code must be the 6 digits your authenticator app shows']);

    const enabled = await api(app, 'POST', '/api/user/two-factor/enable', {
      token: me.token,
      body: { twoFactor: { code: codeAt(secret) } },
    });
    expect(enabled.statusCode).toBe(200);
    const { recoveryCodes } = enabled.json().twoFactor;
    expect(recoveryCodes).toHaveLength(10);
    const on = await api(app, 'GET', '/api/user/two-factor', { token: me.token });
    expect(on.json().twoFactor).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });

    const again = await api(app, 'POST', '/api/user/two-factor', { token: me.token });
    expect(again.statusCode).toBe(422);
    expect(errorsOf(again)).toEqual([
      'twoFactor is already on: turn it off first to use a new secret',
    ]);
  });

  it('needs a token', async () => {
    for (const [method, url] of [
      ['GET', '/api/user/two-factor'],
      ['POST', '/api/user/two-factor'],
      ['DELETE', '/api/user/two-factor'],
      ['POST', '/api/user/two-factor/recovery-codes'],
    ] as const) {
      expect((await api(app, method, url)).statusCode, `${method} ${url}`).toBe(401);
    }
  });

  it('asks for the current password more than 10 minutes after signing in (sudo mode)', async () => {
    const me = await signUp(app);
    await enrol(me);
    advance(11 * 60_000);
    const asked = await api(app, 'DELETE', '/api/user/two-factor', { token: me.token });
    expect(asked.statusCode).toBe(422);
    expect(errorsOf(asked)[0]).toMatch(/^currentPassword is required/);
    const codes = await api(app, 'POST', '/api/user/two-factor/recovery-codes', {
      token: me.token,
      body: { twoFactor: { currentPassword: me.password } },
    });
    expect(codes.statusCode).toBe(200);
    expect(codes.json().twoFactor.recoveryCodes).toHaveLength(10);

    const off = await api(app, 'DELETE', '/api/user/two-factor', { token: me.token });
    expect(off.statusCode).toBe(204);
    expect(off.body).toBe('');
    // Off: the password alone signs in again.
    const login = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: me.email, password: me.password } },
    });
    expect(login.statusCode).toBe(200);
  });
});

describe('POST /api/users/login with two-factor on', () => {
  it('answers 401 with a pending sign-in instead of a user; the code finishes it', async () => {
    const me = await signUp(app);
    const { secret } = await enrol(me);
    advance(2 * STEP_MS);

    const login = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: me.email, password: me.password } },
    });
    expect(login.statusCode).toBe(401);
    const body = login.json();
    expect(body.user).toBeUndefined();
    expect(body.errors).toEqual({
      body: ['code is required: this account uses two-factor authentication'],
    });
    expect(body.secondFactor).toMatchObject({ required: true, token: expect.any(String) });
    expect(login.headers['set-cookie']).toBeUndefined();
    expect(login.headers['cache-control']).toBe('no-store');

    const done = await api(app, 'POST', '/api/users/login/second-factor', {
      body: { user: { token: body.secondFactor.token, code: codeAt(secret) } },
    });
    expect(done.statusCode).toBe(200);
    const { user } = done.json();
    expect(Object.keys(user).sort()).toEqual(['bio', 'email', 'image', 'token', 'username']);
    const current = await api(app, 'GET', '/api/user', { token: user.token });
    expect(current.json().user.username).toBe(me.username);

    // The same token or the same code again: refused.
    const reused = await api(app, 'POST', '/api/users/login/second-factor', {
      body: { user: { token: body.secondFactor.token, code: codeAt(secret, 1) } },
    });
    expect(reused.statusCode).toBe(401);
    const replayed = await api(app, 'POST', '/api/users/login/second-factor', {
      body: { user: { token: await pendingSignIn(me), code: codeAt(secret) } },
    });
    expect(replayed.statusCode).toBe(422);
    expect(errorsOf(replayed)).toEqual(['code is incorrect or was already used']);
  });

  it('a wrong password answers 401 as before, without a pending sign-in', async () => {
    const me = await signUp(app);
    await enrol(me);
    const res = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: me.email, password: 'not the password' } },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ errors: { body: ['Email or password is incorrect'] } });
  });

  it('takes a recovery code once', async () => {
    const me = await signUp(app);
    const { recoveryCodes } = await enrol(me);
    const recoveryCode = recoveryCodes[0];
    const first = await api(app, 'POST', '/api/users/login/second-factor', {
      body: { user: { token: await pendingSignIn(me), recoveryCode } },
    });
    expect(first.statusCode).toBe(200);
    const second = await api(app, 'POST', '/api/users/login/second-factor', {
      body: { user: { token: await pendingSignIn(me), recoveryCode } },
    });
    expect(second.statusCode).toBe(422);
    expect(errorsOf(second)).toEqual(['recoveryCode is not one of your unused recovery codes']);
  });

  it('lets the pending sign-in expire after 5 minutes, and names what is missing', async () => {
    const me = await signUp(app);
    const { secret } = await enrol(me);
    const token = await pendingSignIn(me);
    const neither = await api(app, 'POST', '/api/users/login/second-factor', {
      body: { user: { token } },
    });
    expect(neither.statusCode).toBe(422);
    expect(errorsOf(neither)[0]).toMatch(
      /^code is required: give the code from your authenticator app/,
    );
    advance(5 * 60_000 + 1000);
    const late = await api(app, 'POST', '/api/users/login/second-factor', {
      body: { user: { token, code: codeAt(secret) } },
    });
    expect(late.statusCode).toBe(401);
    expect(errorsOf(late)[0]).toContain('sign in again');
  });

  it('answers 429 with Retry-After once the account has had too many wrong codes', async () => {
    const me = await signUp(app);
    const { secret } = await enrol(me);
    const wrong = codeAt(secret) === '000000' ? '111111' : '000000';
    let last = 0;
    for (let round = 0; round < 2; round += 1) {
      const token = await pendingSignIn(me);
      for (let i = 0; i < 5; i += 1) {
        last = (
          await api(app, 'POST', '/api/users/login/second-factor', {
            body: { user: { token, code: wrong } },
          })
        ).statusCode;
      }
    }
    expect(last).toBe(422);
    const throttled = await api(app, 'POST', '/api/users/login/second-factor', {
      body: { user: { token: await pendingSignIn(me), code: codeAt(secret, 1) } },
    });
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the OpenAPI document', () => {
  it('documents the routes and the 401 with a pending sign-in', async () => {
    const doc = (await api(app, 'GET', '/api/openapi.json')).json();
    const ids = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>)
      .flatMap((item) => Object.values(item).map((operation) => operation.operationId))
      .filter(Boolean);
    for (const id of [
      'LoginSecondFactor',
      'GetTwoFactor',
      'BeginTwoFactor',
      'EnableTwoFactor',
      'RegenerateRecoveryCodes',
      'DisableTwoFactor',
    ]) {
      expect(ids).toContain(id);
    }
    const refused = doc.paths['/users/login'].post.responses['401'].content['application/json'];
    expect(refused.schema.properties.secondFactor.properties.token).toBeDefined();
  });
});
