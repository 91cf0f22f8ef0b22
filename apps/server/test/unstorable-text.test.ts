// Text PostgreSQL cannot store (a NUL, a lone UTF-16 surrogate) in any input, on both surfaces:
// refused at the schema naming the field, or, where it names something to look up, not found.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, errorsOf, type SignedUp, signUp } from '../src/rest/testing';
import { buildTestApp } from './helpers';
import { freshName } from './http';

let app: FastifyInstance;
let author: SignedUp;
let slug: string;

beforeAll(async () => {
  app = await buildTestApp();
  author = await signUp(app);
  const res = await api(app, 'POST', '/api/articles', {
    token: author.token,
    body: { article: { title: '100', description: 'd', body: 'b', tagList: ['t'] } },
  });
  slug = res.json().article.slug;
});
afterAll(() => app.close());

const BAD = [
  ['a NUL', 'a\u0000b'],
  ['a lone high surrogate', 'a\ud800b'],
  ['a lone low surrogate', '\udc00'],
] as const;

/** A RealWorld error naming the field, and nothing else wrong. */
function expectRefused(res: LightMyRequestResponse, field: string) {
  expect(res.statusCode, res.body).toBe(422);
  const messages = errorsOf(res);
  expect(messages.some((message) => message.startsWith(`${field} `))).toBe(true);
}

describe.each(BAD)('REST, with %s', (_, bad) => {
  const token = () => author.token;

  it.each(['email', 'username', 'password'])(
    'refuses it in the sign-up %s (422)',
    async (field) => {
      const user = {
        email: `${freshName()}@example.com`,
        username: freshName(),
        password: 'long enough',
        [field]: bad,
      };
      expectRefused(await api(app, 'POST', '/api/users', { body: { user } }), field);
    },
  );

  it.each(['email', 'username', 'bio', 'image'])(
    'refuses it in a changed %s (422)',
    async (field) => {
      const res = await api(app, 'PUT', '/api/user', {
        token: token(),
        body: { user: { [field]: bad } },
      });
      expectRefused(res, field);
    },
  );

  it.each(['title', 'description', 'body'])(
    'refuses it in a new article %s (422)',
    async (field) => {
      const article = { title: 'T', description: 'D', body: 'B', [field]: bad };
      const res = await api(app, 'POST', '/api/articles', { token: token(), body: { article } });
      expectRefused(res, field);
    },
  );

  it('refuses it in a tag, naming the tag (422)', async () => {
    const article = { title: 'T', description: 'D', body: 'B', tagList: ['ok', bad] };
    const res = await api(app, 'POST', '/api/articles', { token: token(), body: { article } });
    expectRefused(res, 'tagList.1');
  });

  it('refuses it in an edited title and in a comment (422)', async () => {
    const edit = { article: { title: bad } };
    expectRefused(
      await api(app, 'PUT', `/api/articles/${slug}`, { token: token(), body: edit }),
      'title',
    );
    const comment = { comment: { body: bad } };
    const res = await api(app, 'POST', `/api/articles/${slug}/comments`, {
      token: token(),
      body: comment,
    });
    expectRefused(res, 'body');
  });
});

// A URL carries UTF-8, which has no lone surrogates: those are the NUL's cases alone. The bytes a
// lone surrogate would be (WTF-8) are invalid UTF-8, seen in the next block.
describe('REST, with a NUL in the URL', () => {
  it.each(['tag', 'author', 'favorited'])('refuses it as the ?%s filter (422)', async (field) => {
    expectRefused(await api(app, 'GET', `/api/articles?${field}=a%00b`), field);
  });

  it('answers a slug holding it as an unknown slug (404)', async () => {
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/comments'],
      ['POST', '/favorite'],
      ['DELETE', '/favorite'],
      ['PUT', ''],
      ['DELETE', ''],
    ] as const) {
      const body = method === 'PUT' ? { article: { body: 'x' } } : undefined;
      const res = await api(app, method, `/api/articles/a%00b${path}`, {
        token: author.token,
        body,
      });
      expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(404);
      expect(errorsOf(res)).toHaveLength(1);
    }
  });

  it('refuses it in a profile name (422)', async () => {
    expectRefused(await api(app, 'GET', '/api/profiles/a%00b'), 'username');
  });
});

describe('REST paths are decoded once', () => {
  it('answers %2500 in a slug as an unknown slug, not as a NUL', async () => {
    const res = await api(app, 'GET', '/api/articles/a%2500b');
    expect(res.statusCode, res.body).toBe(404);
    expect(errorsOf(res)[0]).toContain('a%00b');
  });

  it('does not find an article by its slug percent-encoded twice', async () => {
    const twice = [...slug].map((c) => `%25${c.charCodeAt(0).toString(16)}`).join('');
    expect((await api(app, 'GET', `/api/articles/${encodeURIComponent(slug)}`)).statusCode).toBe(
      200,
    );
    expect((await api(app, 'GET', `/api/articles/${twice}`)).statusCode).toBe(404);
  });

  it("refuses bytes that are not UTF-8 in a path (REST 422, else 400), in the surface's shape", async () => {
    for (const path of ['/api/articles/%FF', '/api/articles/%ED%A0%80', '/api/profiles/%C0%80']) {
      const res = await api(app, 'GET', path);
      expect(res.statusCode, `${path}: ${res.body}`).toBe(422);
      expect(errorsOf(res)[0]).toContain('not a valid url');
    }
    const outside = await app.inject('/trpc/%ED%A0%80');
    expect(outside.statusCode).toBe(400);
    expect(outside.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('takes bytes that are not UTF-8 in a query as the replacement character (no 5xx)', async () => {
    const res = await api(app, 'GET', '/api/articles?tag=a%ED%A0%80b&author=%FF');
    expect(res.statusCode, res.body).toBe(422);
    expect(errorsOf(res)).toEqual([expect.stringMatching(/^author /)]);
  });
});

describe.each(BAD)('tRPC, with %s', (_, bad) => {
  const headers = () => ({ authorization: `Token ${author.token}` });
  const post = (path: string, input: unknown) =>
    app.inject({
      method: 'POST',
      url: `/trpc/${path}`,
      headers: { 'content-type': 'application/json', ...headers() },
      payload: JSON.stringify(input),
    });
  const get = (path: string, input: unknown) =>
    app.inject({
      method: 'GET',
      url: `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
      headers: headers(),
    });

  function expectFieldError(res: LightMyRequestResponse, field: string) {
    expect(res.statusCode, res.body).toBe(400);
    const { error } = res.json();
    expect(error.data.code).toBe('BAD_REQUEST');
    expect(Object.keys(error.data.fieldErrors)).toContain(field);
  }

  it.each([
    ['auth.register', 'username'],
    ['auth.register', 'password'],
    ['user.update', 'bio'],
    ['user.update', 'image'],
    ['article.create', 'title'],
    ['article.create', 'body'],
    ['article.update', 'description'],
    ['comment.create', 'body'],
  ])('%s refuses it in %s with fieldErrors (400)', async (path, field) => {
    const valid: Record<string, unknown> = {
      'auth.register': {
        email: `${freshName()}@example.com`,
        username: freshName(),
        password: 'long enough',
      },
      'user.update': { bio: 'b' },
      'article.create': { title: 'T', description: 'D', body: 'B' },
      'article.update': { slug },
      'comment.create': { slug, body: 'c' },
    };
    const input = { ...(valid[path] as object), [field]: bad };
    expectFieldError(await post(path, input), field);
  });

  it('article.list refuses it as the tag filter (400)', async () => {
    expectFieldError(await get('article.list', { tag: bad }), 'tag');
  });

  it('article.get answers a slug holding it as an unknown slug (404)', async () => {
    const res = await get('article.get', { slug: bad });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().error.data.code).toBe('NOT_FOUND');
  });

  it('auth.revokeSession answers it as an unknown session, never a 500', async () => {
    const res = await post('auth.revokeSession', { id: bad });
    expect(res.statusCode, res.body).toBe(400);
    expect(Object.keys(res.json().error.data.fieldErrors)).toContain('id');
  });
});
