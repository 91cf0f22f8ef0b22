// Conditional GETs: public answers of /api and /trpc carry an ETag and answer 304 to a client that
// holds the same bytes; a write changes the ETag; personal answers carry none.
import { getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { query } from '../../test/http';
import { api, signUp } from '../rest/testing';
import { appendVary, etagOf, PUBLIC_VARY } from './etag';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(() => app.close());
beforeEach(async () => resetDb((await getTestDb()).db));

const article = (tag: string) => ({
  article: { title: `About ${tag}`, description: 'd', body: 'b', tagList: [tag] },
});

describe('GET /api with If-None-Match', () => {
  it('answers 304 with no body for the same tags, 200 with a new ETag after a write', async () => {
    const writer = await signUp(app);
    await api(app, 'POST', '/api/articles', { token: writer.token, body: article('first') });

    const fresh = await api(app, 'GET', '/api/tags');
    expect(fresh.statusCode).toBe(200);
    const etag = fresh.headers.etag as string;
    expect(etag).toBe(etagOf(fresh.body));
    expect(fresh.headers['cache-control']).toBe('no-cache');
    expect(String(fresh.headers.vary)).toMatch(/authorization/);

    const again = await api(app, 'GET', '/api/tags', { headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);

    // Several tags in the header, one of them ours, strong or weak: still a match.
    const listed = await api(app, 'GET', '/api/tags', {
      headers: { 'if-none-match': `"other", ${etag.replace(/^W\//, '')}` },
    });
    expect(listed.statusCode).toBe(304);

    await api(app, 'POST', '/api/articles', { token: writer.token, body: article('second') });
    const changed = await api(app, 'GET', '/api/tags', { headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().tags).toContain('second');
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('gives no ETag to an answer for a signed-in user, and never a 304', async () => {
    const reader = await signUp(app);
    const response = await api(app, 'GET', '/api/tags', { token: reader.token });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.etag).toBeUndefined();

    const anonymous = await api(app, 'GET', '/api/tags');
    const tried = await api(app, 'GET', '/api/tags', {
      token: reader.token,
      headers: { 'if-none-match': anonymous.headers.etag as string },
    });
    expect(tried.statusCode).toBe(200);
  });

  it('tags what it means, not the wire bytes: compressed answers keep the same ETag', async () => {
    const plain = await api(app, 'GET', '/api/openapi.json');
    const compressed = await api(app, 'GET', '/api/openapi.json', {
      headers: { 'accept-encoding': 'br' },
    });
    expect(compressed.headers['content-encoding']).toBe('br');
    expect(compressed.headers.etag).toBe(plain.headers.etag);
    const again = await api(app, 'GET', '/api/openapi.json', {
      headers: { 'accept-encoding': 'br', 'if-none-match': plain.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
  });

  it('leaves errors alone: a 404 has no ETag', async () => {
    const response = await api(app, 'GET', '/api/articles/no-such-article');
    expect(response.statusCode).toBe(404);
    expect(response.headers.etag).toBeUndefined();
  });
});

describe('GET /trpc with If-None-Match', () => {
  it('answers 304 for an unchanged public query, none for a personal one', async () => {
    const fresh = await query(app, 'tag.list');
    expect(fresh.statusCode).toBe(200);
    const etag = fresh.headers.etag as string;
    expect(etag).toMatch(/^W\/"/);
    const again = await query(app, 'tag.list', undefined, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');

    const me = await query(app, 'auth.me');
    expect(me.headers.etag).toBeUndefined();
  });
});

describe('appendVary', () => {
  /** The part of a reply appendVary uses, counting the times Vary is set. */
  function reply(vary?: string) {
    const headers = new Map<string, string>(vary === undefined ? [] : [['vary', vary]]);
    let sets = 0;
    const fake = {
      getHeader: (name: string) => headers.get(name),
      header: (name: string, value: string) => {
        headers.set(name, value);
        sets += 1;
        return fake;
      },
    };
    return {
      fake: fake as unknown as FastifyReply,
      vary: () => headers.get('vary'),
      sets: () => sets,
    };
  }

  it.each([
    [undefined, ['authorization', 'cookie'], 'authorization, cookie'],
    [
      'trpc-accept, accept',
      ['authorization', 'cookie'],
      'trpc-accept, accept, authorization, cookie',
    ],
    ['Cookie,accept', ['authorization', 'cookie'], 'Cookie, accept, authorization'],
    ['accept , , authorization', ['authorization', 'cookie'], 'accept, authorization, cookie'],
  ])('adds to %s each name it lacks, once, asked once or again', (present, names, expected) => {
    for (let time = 0; time < 2; time += 1) {
      const { fake, vary } = reply(present);
      appendVary(fake, names);
      expect(vary()).toBe(expected);
    }
  });

  it.each([['authorization, cookie'], ['*'], ['Cookie, Authorization, accept-encoding']])(
    'leaves %s as it is when it has every name',
    (present) => {
      for (let time = 0; time < 2; time += 1) {
        const { fake, vary, sets } = reply(present);
        appendVary(fake, PUBLIC_VARY);
        expect(vary()).toBe(present);
        expect(sets()).toBe(0);
      }
    },
  );
});
