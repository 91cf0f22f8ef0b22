// Personal access tokens over HTTP (decision 028): `Authorization: Bearer <token>` on /api and
// /trpc alike, within the token's scope; refused for account changes; no CSRF check, since no
// cookie is involved; a revoked token is a 401 on both.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { api, errorsOf, signUp } from './testing';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(() => app.close());

/** Makes a token through tRPC, as the settings page does, signed in by the session token. */
async function makeToken(sessionToken: string, scope: 'read' | 'write') {
  const response = await app.inject({
    method: 'POST',
    url: '/trpc/accessToken.create',
    headers: { authorization: `Token ${sessionToken}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ name: `${scope} script`, scope, expiresInDays: 30 }),
  });
  expect(response.statusCode).toBe(200);
  const { token, accessToken } = response.json().result.data as {
    token: string;
    accessToken: { id: string };
  };
  return { token, id: accessToken.id };
}

const article = { title: 'Posted by a script', description: 'by token', body: 'Hello.' };

describe('a personal access token on /api', () => {
  it('reads the current user with Bearer (and Token), and is echoed as the RealWorld token', async () => {
    const me = await signUp(app);
    const { token } = await makeToken(me.token, 'read');
    for (const scheme of ['Bearer', 'Token'] as const) {
      const res = await api(app, 'GET', '/api/user', { token, scheme });
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ username: me.username, token });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('a write token publishes; a read token is refused with 403 and a reason', async () => {
    const me = await signUp(app);
    const writer = await makeToken(me.token, 'write');
    const reader = await makeToken(me.token, 'read');
    const refused = await api(app, 'POST', '/api/articles', {
      token: reader.token,
      scheme: 'Bearer',
      body: { article },
    });
    expect(refused.statusCode).toBe(403);
    expect(errorsOf(refused)[0]).toMatch(/may only read \(scope read\)/);

    // No Origin, no Sec-Fetch-Site, no cookie: a script, which CSRF checks leave alone.
    const posted = await api(app, 'POST', '/api/articles', {
      token: writer.token,
      scheme: 'Bearer',
      body: { article },
    });
    expect(posted.statusCode).toBe(201);
    const { slug, author } = posted.json().article;
    expect(author.username).toBe(me.username);
    const favorited = await api(app, 'POST', `/api/articles/${slug}/favorite`, {
      token: writer.token,
      scheme: 'Bearer',
    });
    expect(favorited.json().article.favorited).toBe(true);
    const read = await api(app, 'GET', `/api/articles/${slug}`, {
      token: reader.token,
      scheme: 'Bearer',
    });
    expect(read.json().article.favorited).toBe(true);
  });

  it('is refused for account changes whatever the scope', async () => {
    const me = await signUp(app);
    const { token } = await makeToken(me.token, 'write');
    const calls = [
      api(app, 'PUT', '/api/user', { token, scheme: 'Bearer', body: { user: { bio: 'x' } } }),
      api(app, 'GET', '/api/user/export', { token, scheme: 'Bearer' }),
      api(app, 'DELETE', '/api/user', {
        token,
        scheme: 'Bearer',
        body: { user: { username: me.username } },
      }),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.statusCode).toBe(403);
      expect(errorsOf(res)[0]).toMatch(/^A personal access token cannot be used for user\./);
    }
    expect((await api(app, 'GET', '/api/user', { token: me.token })).json().user.bio).toBeNull();
  });
});

describe('a personal access token on /trpc', () => {
  it('calls within its scope, and is a 401 once revoked, on both surfaces', async () => {
    const me = await signUp(app);
    const { token, id } = await makeToken(me.token, 'write');
    const bearer = { authorization: `Bearer ${token}` };
    const meAnswer = await app.inject({ url: '/trpc/auth.me', headers: bearer });
    expect(meAnswer.json().result.data.user.username).toBe(me.username);
    const created = await app.inject({
      method: 'POST',
      url: '/trpc/article.create',
      headers: { ...bearer, 'content-type': 'application/json' },
      payload: JSON.stringify(article),
    });
    expect(created.statusCode).toBe(200);
    const sessions = await app.inject({ url: '/trpc/auth.sessions', headers: bearer });
    expect(sessions.statusCode).toBe(403);

    const revoked = await app.inject({
      method: 'POST',
      url: '/trpc/accessToken.revoke',
      headers: { authorization: `Token ${me.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ id }),
    });
    expect(revoked.statusCode).toBe(200);
    const after = await app.inject({ url: '/trpc/tag.list', headers: bearer });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toBe('This personal access token was revoked');
    const rest = await api(app, 'GET', '/api/tags', { token, scheme: 'Bearer' });
    expect(rest.statusCode).toBe(401);
    expect(errorsOf(rest)).toEqual(['This personal access token was revoked']);
  });
});
