// POST /api/users/passkey/options and /login: a passkey added over tRPC (as the web app does),
// then signing in with it over REST, and the refusals in RealWorld's error format.
import { SoftAuthenticator } from '@conduit/api/soft-authenticator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { mutate } from '../../test/http';
import { api, signUp } from './testing';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp({ PUBLIC_ORIGIN: 'http://localhost:3000' });
});
afterAll(() => app.close());

/** A new account with a passkey on a fresh soft authenticator. */
async function accountWithPasskey() {
  const account = await signUp(app);
  const authorization = `Token ${account.token}`;
  const options = await mutate(app, 'passkey.registrationOptions', {}, { authorization });
  expect(options.statusCode).toBe(200);
  const { challengeId, options: creation } = options.json().result.data;
  const authenticator = new SoftAuthenticator('http://localhost:3000');
  const registered = await mutate(
    app,
    'passkey.register',
    { challengeId, response: authenticator.register(creation), name: 'laptop' },
    { authorization },
  );
  expect(registered.statusCode).toBe(200);
  return { account, authenticator };
}

async function options() {
  const response = await api(app, 'POST', '/api/users/passkey/options');
  expect(response.statusCode).toBe(200);
  return response.json() as { challengeId: string; options: { challenge: string; rpId: string } };
}

describe('POST /api/users/passkey/options and /api/users/passkey/login', () => {
  it('signs in with a passkey: the RealWorld user with a new token', async () => {
    const { account, authenticator } = await accountWithPasskey();
    const { challengeId, options: request } = await options();
    expect(request).toMatchObject({ rpId: 'localhost', allowCredentials: [] });
    const response = await api(app, 'POST', '/api/users/passkey/login', {
      body: { challengeId, response: authenticator.signIn(request) },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const { user } = response.json();
    expect(user).toMatchObject({ email: account.email, username: account.username });
    expect(user.token).not.toBe(account.token);
    const me = await api(app, 'GET', '/api/user', { token: user.token });
    expect(me.json().user.username).toBe(account.username);
  });

  it('answers 422 naming challengeId for a challenge used or never issued', async () => {
    const { authenticator } = await accountWithPasskey();
    const { challengeId, options: request } = await options();
    const body = { challengeId, response: authenticator.signIn(request) };
    expect((await api(app, 'POST', '/api/users/passkey/login', { body })).statusCode).toBe(200);
    const again = await api(app, 'POST', '/api/users/passkey/login', { body });
    expect(again.statusCode).toBe(422);
    expect(again.json()).toEqual({
      errors: { body: ['challengeId is unknown, used or expired: start again'] },
    });
  });

  it('answers 401 for an unknown passkey and for an answer made on another origin', async () => {
    const stranger = new SoftAuthenticator('http://localhost:3000');
    const first = await options();
    const unknown = await api(app, 'POST', '/api/users/passkey/login', {
      body: { challengeId: first.challengeId, response: stranger.signIn(first.options) },
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().errors.body[0]).toMatch(/not registered here/);

    const { authenticator } = await accountWithPasskey();
    const second = await options();
    const phished = await api(app, 'POST', '/api/users/passkey/login', {
      body: {
        challengeId: second.challengeId,
        response: authenticator.signIn(second.options, { origin: 'https://conduit.evil' }),
      },
    });
    expect(phished.statusCode).toBe(401);
  });

  it('answers 422 for bodies that are no passkey answer, never 500', async () => {
    const { challengeId } = await options();
    for (const body of [
      undefined,
      {},
      { challengeId },
      { challengeId, response: { id: 'AA', rawId: 'AA', type: 'public-key', response: {} } },
      { challengeId: 42, response: null },
    ]) {
      const response = await api(app, 'POST', '/api/users/passkey/login', { body });
      expect(response.statusCode).toBe(422);
      expect(response.json().errors.body.length).toBeGreaterThan(0);
    }
  });

  it('is documented in the OpenAPI document', async () => {
    const document = (await api(app, 'GET', '/api/openapi.json')).json();
    expect(document.paths['/users/passkey/options'].post.operationId).toBe('PasskeyLoginOptions');
    expect(document.paths['/users/passkey/login'].post.operationId).toBe('PasskeyLogin');
  });
});

describe('passkey sign-in throttling', () => {
  it('answers 429 with Retry-After once an IP’s failures reach the limit', async () => {
    const throttled = await buildTestApp({ LOGIN_MAX_FAILURES_PER_IP: '2' });
    try {
      const ip = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const stranger = new SoftAuthenticator('http://localhost:3000');
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const request = await api(throttled, 'POST', '/api/users/passkey/options', { ip });
        const { challengeId, options: opts } = request.json();
        const response = await api(throttled, 'POST', '/api/users/passkey/login', {
          ip,
          body: { challengeId, response: stranger.signIn(opts) },
        });
        statuses.push(response.statusCode);
        if (response.statusCode === 429)
          expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await throttled.close();
    }
  });
});
