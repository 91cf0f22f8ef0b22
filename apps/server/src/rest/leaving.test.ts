// Beyond RealWorld: GET /api/user/export and DELETE /api/user (decision 021), over HTTP.
import { sessions, sql } from '@conduit/db';
import { getTestDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { ORIGIN } from '../../test/http';
import { api, errorsOf, signUp } from './testing';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(() => app.close());

/** Moves every session's sign-in back by `minutes`: past the window of sudo mode. */
async function signedInAgo(minutes: number) {
  const { db } = await getTestDb();
  await db
    .update(sessions)
    .set({ authenticatedAt: sql`${sessions.authenticatedAt} - make_interval(mins => ${minutes})` });
}

describe('GET /api/user/export', () => {
  it('answers the account’s data as a JSON file to keep, never a token', async () => {
    const me = await signUp(app);
    const article = await api(app, 'POST', '/api/articles', {
      token: me.token,
      body: { article: { title: 'Mine', description: 'd', body: 'Body *here*', tagList: ['x'] } },
    });
    expect(article.statusCode).toBe(201);
    const res = await api(app, 'GET', '/api/user/export', { token: me.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const day = new Date().toISOString().slice(0, 10);
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="conduit-${me.username}-${day}.json"`,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const data = res.json();
    expect(data.profile).toMatchObject({ username: me.username, email: me.email });
    expect(data.articles).toMatchObject([{ title: 'Mine', body: 'Body *here*', tagList: ['x'] }]);
    expect(res.body).not.toContain(me.token.split('.')[1]);
    expect(res.body).not.toContain(me.token.split('.')[0]);
  });

  it('answers 401 without a token', async () => {
    const res = await api(app, 'GET', '/api/user/export');
    expect(res.statusCode).toBe(401);
    expect(errorsOf(res)).toEqual(['Sign in to do this']);
  });
});

describe('DELETE /api/user', () => {
  it('deletes the account: 204, then its token and password are refused', async () => {
    const me = await signUp(app);
    const res = await api(app, 'DELETE', '/api/user', {
      token: me.token,
      body: { user: { username: me.username } },
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await api(app, 'GET', '/api/user', { token: me.token })).statusCode).toBe(401);
    const login = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: me.email, password: me.password } },
    });
    expect(login.statusCode).toBe(401);
    expect((await api(app, 'GET', `/api/profiles/${me.username}`)).statusCode).toBe(404);
  });

  it('answers 422 naming what is missing: the username, or the password once the sign-in is old', async () => {
    const me = await signUp(app);
    const bare = await api(app, 'DELETE', '/api/user', { token: me.token, body: { user: {} } });
    expect(bare.statusCode).toBe(422);
    expect(errorsOf(bare)).toEqual(['username is required']);
    const other = await api(app, 'DELETE', '/api/user', {
      token: me.token,
      body: { user: { username: 'someone-else' } },
    });
    expect(errorsOf(other)).toEqual(['username must be your username, typed again to confirm']);

    await signedInAgo(11);
    const late = await api(app, 'DELETE', '/api/user', {
      token: me.token,
      body: { user: { username: me.username } },
    });
    expect(late.statusCode).toBe(422);
    expect(errorsOf(late)).toEqual([
      'currentPassword is required for this change: you signed in more than 10 minutes ago',
    ]);
    const proved = await api(app, 'DELETE', '/api/user', {
      token: me.token,
      body: { user: { username: me.username, currentPassword: me.password } },
    });
    expect(proved.statusCode).toBe(204);
  });

  it('by cookie: only from our own origin, and the cookie is cleared', async () => {
    const me = await signUp(app);
    const cookie = `conduit_session=${me.token}`;
    const body = { user: { username: me.username } };
    const foreign = await api(app, 'DELETE', '/api/user', {
      body,
      headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(foreign.statusCode).toBe(403);
    expect((await api(app, 'GET', '/api/user', { token: me.token })).statusCode).toBe(200);

    const res = await api(app, 'DELETE', '/api/user', {
      body,
      headers: { cookie, origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
    });
    expect(res.statusCode, res.body).toBe(204);
    const cleared = res.cookies.find((c) => c.name === 'conduit_session');
    expect(cleared?.value).toBe('');
  });
});
