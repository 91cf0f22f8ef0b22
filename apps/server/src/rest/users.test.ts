// RealWorld spec: POST /users, POST /users/login, GET /user, PUT /user.
import { eq, sessions } from '@conduit/db';
import { getTestDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { freshName, randomIp } from '../../test/http';
import { api, errorsOf, signUp } from './testing';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(() => app.close());

const password = 'correct horse battery';

describe('POST /api/users (register)', () => {
  it('answers 201 with the RealWorld user and a token, never the role', async () => {
    const username = freshName();
    const res = await api(app, 'POST', '/api/users', {
      body: { user: { email: `${username}@example.com`, username, password, role: 'admin' } },
    });
    expect(res.statusCode).toBe(201);
    const { user } = res.json();
    expect(Object.keys(user).sort()).toEqual(['bio', 'email', 'image', 'token', 'username']);
    expect(user).toMatchObject({
      email: `${username}@example.com`,
      username,
      bio: null,
      image: null,
    });
    expect(user.token).toMatch(/^\S+\.\S+$/);
    expect(res.headers['cache-control']).toBe('no-store');

    const me = await api(app, 'GET', '/api/user', { token: user.token });
    expect(me.statusCode).toBe(200);
  });

  it('answers 422 with one message per field problem, naming the field', async () => {
    const res = await api(app, 'POST', '/api/users', {
      body: { user: { email: 'not-an-email', username: 'no spaces', password: 'short' } },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({
      errors: {
        body: [
          'email must be a valid email address',
          'username may contain only letters, digits, _ and -',
          'password must be at least 8 characters',
        ],
      },
    });
  });

  it('names missing fields and a missing envelope', async () => {
    const missing = await api(app, 'POST', '/api/users', { body: { user: { email: 'a@b.co' } } });
    expect(missing.statusCode).toBe(422);
    expect(errorsOf(missing)).toEqual(['username is required', 'password is required']);

    const bare = await api(app, 'POST', '/api/users', { body: { email: 'a@b.co' } });
    expect(bare.statusCode).toBe(422);
    expect(errorsOf(bare)).toEqual(['user is required']);
  });

  it('answers 422 when the email or username is taken, whatever its case', async () => {
    const taken = await signUp(app);
    const sameEmail = await api(app, 'POST', '/api/users', {
      body: { user: { email: taken.email.toUpperCase(), username: freshName(), password } },
    });
    expect(sameEmail.statusCode).toBe(422);
    expect(errorsOf(sameEmail)).toEqual(['email is already taken']);

    const sameName = await api(app, 'POST', '/api/users', {
      body: {
        user: {
          email: `${freshName()}@example.com`,
          username: taken.username.toUpperCase(),
          password,
        },
      },
    });
    expect(sameName.statusCode).toBe(422);
    expect(errorsOf(sameName)).toEqual(['username is already taken']);
  });

  it('answers one 422 naming both, when the username and the email are taken by two accounts', async () => {
    const [one, two] = [await signUp(app), await signUp(app)];
    const res = await api(app, 'POST', '/api/users', {
      body: { user: { email: one.email, username: two.username.toUpperCase(), password } },
    });
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual(['email is already taken', 'username is already taken']);
  });
});

describe('POST /api/users/login', () => {
  it('answers 200 with the user and a new token each time', async () => {
    const account = await signUp(app);
    const res = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: account.email, password } },
    });
    expect(res.statusCode).toBe(200);
    const { user } = res.json();
    expect(user).toEqual({
      email: account.email,
      username: account.username,
      bio: null,
      image: null,
      token: expect.any(String),
    });
    expect(user.token).not.toBe(account.token);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 401 for a wrong password or an unknown email, alike', async () => {
    const account = await signUp(app);
    const wrong = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: account.email, password: 'not the password' } },
    });
    const unknown = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: `${freshName()}@example.com`, password } },
    });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ errors: { body: ['Email or password is incorrect'] } });
    }
  });

  it('answers 422 for a malformed login', async () => {
    const res = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: 'nope', password: '' } },
    });
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual([
      'email must be a valid email address',
      'password must not be empty',
    ]);
  });

  it('answers 429 with Retry-After once an account has failed too often', async () => {
    const strict = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '1' });
    try {
      const account = await signUp(strict);
      const attempt = () =>
        api(strict, 'POST', '/api/users/login', {
          body: { user: { email: account.email, password: 'not the password' } },
          ip: randomIp(),
        });
      expect((await attempt()).statusCode).toBe(401);
      const throttled = await attempt();
      expect(throttled.statusCode).toBe(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      expect(errorsOf(throttled)).toEqual([expect.stringMatching(/^Too many attempts/)]);
    } finally {
      await strict.close();
    }
  });
});

describe('GET /api/user', () => {
  it('answers the current user with the token it was called with, as Token or Bearer', async () => {
    const account = await signUp(app);
    for (const scheme of ['Token', 'Bearer'] as const) {
      const res = await api(app, 'GET', '/api/user', { token: account.token, scheme });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        user: {
          email: account.email,
          username: account.username,
          bio: null,
          image: null,
          token: account.token,
        },
      });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('answers 401 without a token, with a bad token and with a malformed header', async () => {
    const account = await signUp(app);
    const cases = [
      {},
      { token: 'no.such-token' },
      { token: `${account.token}x` },
      { headers: { authorization: account.token } },
    ];
    for (const request of cases) {
      const res = await api(app, 'GET', '/api/user', request);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ errors: { body: ['Sign in to do this'] } });
    }
  });

  it('never echoes the HttpOnly session cookie into the body', async () => {
    const account = await signUp(app);
    const res = await api(app, 'GET', '/api/user', {
      headers: { cookie: `conduit_session=${account.token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ username: account.username, token: '' });
  });
});

describe('PUT /api/user', () => {
  it('changes the given fields and answers the user with the same token', async () => {
    const account = await signUp(app);
    const username = freshName();
    const res = await api(app, 'PUT', '/api/user', {
      token: account.token,
      body: { user: { username, bio: 'I write.', image: 'https://example.com/me.png' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      user: {
        email: account.email,
        username,
        bio: 'I write.',
        image: 'https://example.com/me.png',
        token: account.token,
      },
    });
    const me = await api(app, 'GET', '/api/user', { token: account.token });
    expect(me.json().user).toMatchObject({ username, bio: 'I write.' });
  });

  it('ignores fields it does not know (a token sent back, a role) rather than failing', async () => {
    const account = await signUp(app);
    const res = await api(app, 'PUT', '/api/user', {
      token: account.token,
      body: { user: { bio: 'hello', token: account.token, role: 'admin', id: 1 } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ bio: 'hello' });
    expect(res.json().user).not.toHaveProperty('role');
    // The role is visible to its owner over tRPC: it was not written.
    const me = await app.inject({
      url: '/trpc/auth.me',
      headers: { authorization: `Token ${account.token}` },
    });
    expect(me.json().result.data.user.role).toBe('user');
  });

  it('clears the image with an empty string, as RealWorld clients send it', async () => {
    const account = await signUp(app);
    await api(app, 'PUT', '/api/user', {
      token: account.token,
      body: { user: { image: 'https://example.com/a.png' } },
    });
    const res = await api(app, 'PUT', '/api/user', {
      token: account.token,
      body: { user: { image: '' } },
    });
    expect(res.json().user.image).toBeNull();
  });

  it('answers 422 for invalid values, naming the field', async () => {
    const account = await signUp(app);
    const res = await api(app, 'PUT', '/api/user', {
      token: account.token,
      body: { user: { email: 'nope', image: 'javascript:alert(1)' } },
    });
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual([
      'email must be a valid email address',
      'image must be an http:// or https:// URL',
    ]);
  });

  it('answers 422 when nothing is to change (the spec asks for at least one field)', async () => {
    const account = await signUp(app);
    for (const user of [{}, { role: 'admin' }, { currentPassword: account.password }]) {
      const res = await api(app, 'PUT', '/api/user', { token: account.token, body: { user } });
      expect(res.statusCode, JSON.stringify(user)).toBe(422);
      expect(errorsOf(res)).toEqual([
        'user must name at least one field to change: email, username, password, bio, image',
      ]);
    }
  });

  it('changes the password right after sign-in; later only with the current one', async () => {
    const account = await signUp(app);
    const newPassword = 'a brand new passphrase';
    const fresh = await api(app, 'PUT', '/api/user', {
      token: account.token,
      body: { user: { password: newPassword } },
    });
    expect(fresh.statusCode).toBe(200);

    // The session signed in eleven minutes ago: past sudo mode's window.
    const [id] = account.token.split('.');
    const { db } = await getTestDb();
    await db
      .update(sessions)
      .set({ authenticatedAt: new Date(Date.now() - 11 * 60_000) })
      .where(eq(sessions.id, id ?? ''));
    const without = await api(app, 'PUT', '/api/user', {
      token: account.token,
      body: { user: { password: password } },
    });
    expect(without.statusCode).toBe(422);
    expect(errorsOf(without)).toEqual([
      'currentPassword is required for this change: you signed in more than 10 minutes ago',
    ]);

    const wrong = await api(app, 'PUT', '/api/user', {
      token: account.token,
      body: { user: { password: password, currentPassword: 'not it' } },
    });
    expect(wrong.statusCode).toBe(422);
    expect(errorsOf(wrong)).toEqual(['currentPassword is incorrect']);

    const right = await api(app, 'PUT', '/api/user', {
      token: account.token,
      body: { user: { password: 'a third passphrase', currentPassword: newPassword } },
    });
    expect(right.statusCode).toBe(200);
    const login = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: account.email, password: 'a third passphrase' } },
    });
    expect(login.statusCode).toBe(200);
  });

  it('answers 422 when the new email is taken', async () => {
    const [first, second] = [await signUp(app), await signUp(app)];
    const res = await api(app, 'PUT', '/api/user', {
      token: second.token,
      body: { user: { email: first.email } },
    });
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual(['email is already taken']);
  });

  it('answers 401 without a valid token', async () => {
    const res = await api(app, 'PUT', '/api/user', { body: { user: { bio: 'x' } } });
    expect(res.statusCode).toBe(401);
    expect(errorsOf(res)).toEqual(['Sign in to do this']);
  });
});
