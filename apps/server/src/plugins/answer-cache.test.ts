// Whole answers to anonymous reads (decision 043), as a client meets them: the same bytes and
// headers as the answer made by the procedure, never for a request that may be signed in, never
// for a read not made only of cached reads, and gone at once after a write that changes them.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createMemoryCache } from '@conduit/api';
import { getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers';
import { buildApp } from '../app';
import { api, type SignedUp, signUp } from '../rest/testing';
import { type Kept, keptIn } from './answer-cache';
import { sessionCookieSettings } from './session';

type LightMyRequestResponse = Awaited<ReturnType<FastifyInstance['inject']>>;

const cache = createMemoryCache({ ttlMs: 60_000 });
let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp(testConfig(), { database: await getTestDb(), cache });
});
afterAll(() => app.close());
beforeEach(async () => resetDb((await getTestDb()).db));

const trpcGet = (path: string, input: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'GET',
    url: `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
    headers,
  });

/** The headers a client sees, but those that differ per request by design. */
function headersOf(response: LightMyRequestResponse): Record<string, unknown> {
  const {
    date: _date,
    'x-request-id': _id,
    'ratelimit-remaining': _remaining,
    'ratelimit-reset': _reset,
    ...rest
  } = response.headers;
  return rest;
}

/** Sends `request` twice: the second must be a kept answer, identical to the first. */
async function twiceAnswered(request: () => Promise<LightMyRequestResponse>) {
  const made = await request();
  expect(made.statusCode).toBe(200);
  const answers = cache.stats.answers;
  const kept = await request();
  expect(cache.stats.answers).toBe(answers + 1);
  expect(kept.body).toBe(made.body);
  expect(headersOf(kept)).toEqual(headersOf(made));
  return kept;
}

/** Sends `request` twice: neither may be a kept answer. */
async function neverAnswered(request: () => Promise<LightMyRequestResponse>) {
  const answers = cache.stats.answers;
  const first = await request();
  const second = await request();
  expect(cache.stats.answers).toBe(answers);
  return [first, second];
}

async function writeArticle(writer: SignedUp, title: string, tagList: string[] = ['cats']) {
  const created = await api(app, 'POST', '/api/articles', {
    token: writer.token,
    body: { article: { title, description: 'd', body: '*b*', tagList } },
  });
  expect(created.statusCode).toBe(201);
  return created.json().article.slug as string;
}

describe('whole answers to anonymous reads', () => {
  it('answer each cached read again with the same bytes and headers, on both surfaces', async () => {
    const writer = await signUp(app);
    const slug = await writeArticle(writer, 'Kept');
    const reads = [
      () => api(app, 'GET', `/api/articles/${slug}`),
      () => api(app, 'GET', '/api/articles?limit=5'),
      () => api(app, 'GET', '/api/articles?tag=cats&limit=5'),
      () => api(app, 'GET', `/api/profiles/${writer.username}`),
      () => api(app, 'GET', '/api/tags'),
      () => trpcGet('article.get', { slug }),
      () => trpcGet('article.view', { slug }),
      () => trpcGet('article.list', { author: writer.username, limit: 5 }),
      () => trpcGet('profile.get', { username: writer.username }),
      () => trpcGet('tag.list', { limit: 10 }),
    ];
    for (const read of reads) await twiceAnswered(read);

    // A conditional GET of a kept answer is answered 304, as of any other.
    const kept = await api(app, 'GET', '/api/tags');
    const etag = String(kept.headers.etag);
    const again = await app.inject({
      method: 'GET',
      url: '/api/tags',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('are compressed as the compression plugin compresses answers, once per encoding', async () => {
    const writer = await signUp(app);
    for (const n of [1, 2, 3, 4, 5]) await writeArticle(writer, `Long enough to compress ${n}`);
    const plain = (await api(app, 'GET', '/api/articles?limit=5')).body;
    expect(Buffer.byteLength(plain)).toBeGreaterThan(1024);
    const cases: [string, string | undefined][] = [
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['gzip, deflate, br', 'br'],
      ['br;q=0, gzip', 'gzip'],
      ['*', 'gzip'],
      ['identity', undefined],
    ];
    for (const [index, [accepted, encoding]] of cases.entries()) {
      // One address per case, so that each one's first answer is made by the plugin.
      const url = `/api/articles?limit=5&offset=${'0'.repeat(index + 1)}`;
      const read = () =>
        app.inject({ method: 'GET', url, headers: { 'accept-encoding': accepted } });
      const kept = await twiceAnswered(read);
      expect(kept.headers['content-encoding'], accepted).toBe(encoding);
      const bytes = kept.rawPayload;
      const decoded =
        encoding === 'br'
          ? brotliDecompressSync(bytes)
          : encoding === 'gzip'
            ? gunzipSync(bytes)
            : bytes;
      expect(decoded.toString(), accepted).toBe(plain);
      // A second hit is the same bytes again.
      expect((await read()).rawPayload.equals(bytes)).toBe(true);
    }
    // A small answer is never compressed, kept or not.
    const tags = () =>
      app.inject({ method: 'GET', url: '/api/tags', headers: { 'accept-encoding': 'br' } });
    expect((await twiceAnswered(tags)).headers['content-encoding']).toBeUndefined();
  });

  it('are gone at once after a write that changes them', async () => {
    const writer = await signUp(app);
    const reader = await signUp(app);
    const slug = await writeArticle(writer, 'Counted');
    const count = async () =>
      (await twiceAnswered(() => trpcGet('article.get', { slug }))).json().result.data.article
        .favoritesCount;
    const listed = async () =>
      (await twiceAnswered(() => api(app, 'GET', '/api/articles?limit=5'))).json().articles[0]
        .favoritesCount;
    expect(await count()).toBe(0);
    expect(await listed()).toBe(0);
    await api(app, 'POST', `/api/articles/${slug}/favorite`, { token: reader.token });
    expect(await count()).toBe(1);
    expect(await listed()).toBe(1);

    await api(app, 'PUT', '/api/user', { token: writer.token, body: { user: { bio: 'New bio' } } });
    const profile = await twiceAnswered(() => api(app, 'GET', `/api/profiles/${writer.username}`));
    expect(profile.json().profile.bio).toBe('New bio');

    await api(app, 'DELETE', `/api/articles/${slug}`, { token: writer.token });
    expect((await api(app, 'GET', `/api/articles/${slug}`)).statusCode).toBe(404);
    expect((await api(app, 'GET', '/api/articles?limit=5')).json().articles).toEqual([]);
  });

  it('are never given to a request that may be signed in, which sees its own flags', async () => {
    const writer = await signUp(app);
    const reader = await signUp(app);
    const slug = await writeArticle(writer, 'Flagged');
    await api(app, 'POST', `/api/articles/${slug}/favorite`, { token: reader.token });
    await twiceAnswered(() => api(app, 'GET', `/api/articles/${slug}`));
    const [asReader] = await neverAnswered(() =>
      api(app, 'GET', `/api/articles/${slug}`, { token: reader.token }),
    );
    expect(asReader?.json().article.favorited).toBe(true);
    const cookie = `other=1; ${sessionCookieSettings(false).name}=${reader.token}`;
    await neverAnswered(() => trpcGet('article.get', { slug }, { cookie }));
    await neverAnswered(() =>
      trpcGet('article.get', { slug }, { 'trpc-accept': 'application/jsonl' }),
    );
  });

  it('are never kept for reads not made only of cached reads, nor for failures', async () => {
    const writer = await signUp(app);
    const slug = await writeArticle(writer, 'Commented');
    await api(app, 'POST', `/api/articles/${slug}/comments`, {
      token: writer.token,
      body: { comment: { body: 'Hi' } },
    });
    await neverAnswered(() => api(app, 'GET', `/api/articles/${slug}/comments`));
    await neverAnswered(() => api(app, 'GET', `/api/articles?favorited=${writer.username}`));
    await neverAnswered(() => trpcGet('article.list', { favorited: writer.username }));
    await neverAnswered(() => trpcGet('article.search', { q: 'commented' }));
    // A parameter the read does not take: each made-up value would be one more copy.
    await neverAnswered(() => api(app, 'GET', '/api/tags?nocache=1'));
    const input = encodeURIComponent(JSON.stringify({ limit: 10 }));
    await neverAnswered(() =>
      app.inject({ method: 'GET', url: `/trpc/tag.list?input=${input}&x=1` }),
    );
    const [missing] = await neverAnswered(() => api(app, 'GET', '/api/articles/no-such-slug'));
    expect(missing?.statusCode).toBe(404);
    const batch = encodeURIComponent(JSON.stringify({ 0: { slug }, 1: { slug } }));
    await neverAnswered(() =>
      app.inject({ method: 'GET', url: `/trpc/article.get,comment.list?batch=1&input=${batch}` }),
    );
  });
});

describe('a kept answer in an encoding', () => {
  it('is compressed on the first hit that asks for it, and the same bytes after', () => {
    const kept: Kept = {
      body: JSON.stringify({ text: 'kept '.repeat(400) }),
      contentType: 'application/json',
      vary: undefined,
      etag: 'W/"x"',
      size: 2000,
      encoded: {},
    };
    let compressions = 0;
    const counted = (body: string | Buffer, encoding: 'br' | 'gzip') => {
      compressions += 1;
      return Buffer.from(`${encoding}:${String(body).length}`);
    };
    const first = keptIn(kept, 'br', counted);
    expect(keptIn(kept, 'br', counted)).toBe(first);
    expect(compressions).toBe(1);
    expect(keptIn(kept, 'gzip', counted).toString()).toBe(`gzip:${String(kept.body).length}`);
    expect(compressions).toBe(2);
    // By default, with the compression plugin's own settings.
    const fresh: Kept = { ...kept, encoded: {} };
    expect(brotliDecompressSync(keptIn(fresh, 'br')).toString()).toBe(kept.body);
    expect(gunzipSync(keptIn(fresh, 'gzip')).toString()).toBe(kept.body);
  });
});
