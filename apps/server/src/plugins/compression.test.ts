// Compression as clients see it: big answers come compressed as they asked, small ones and live
// event streams as they are.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createArticle, createUser, getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, serveTestApp } from '../../test/helpers';
import { mutate, query, register } from '../../test/http';
import { COMPRESSIBLE } from './compression';

let app: FastifyInstance;

beforeAll(async () => {
  const { db } = await getTestDb();
  await resetDb(db);
  const author = await createUser(db);
  // Twenty articles with their descriptions make a list well over the 1 KiB threshold.
  for (let n = 0; n < 20; n += 1) {
    await createArticle(db, author, {
      description: `A description long enough to matter, number ${n}.`,
      tagList: ['compression'],
    });
  }
  app = await buildTestApp();
});
afterAll(() => app.close());

describe('compression', () => {
  it('sends a large tRPC answer gzip-compressed to a client that accepts gzip', async () => {
    const plain = await query(app, 'article.list', { limit: 20 });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);

    const gzipped = await query(app, 'article.list', { limit: 20 }, { 'accept-encoding': 'gzip' });
    expect(gzipped.statusCode).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toMatch(/accept-encoding/i);
    expect(gzipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(JSON.parse(gunzipSync(gzipped.rawPayload).toString())).toEqual(plain.json());
  });

  it('prefers Brotli, and compresses large REST answers too', async () => {
    const headers = { 'accept-encoding': 'gzip, deflate, br' };
    const plain = await app.inject({ url: '/api/articles?limit=20' });
    const res = await app.inject({ url: '/api/articles?limit=20', headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(res.rawPayload).toString())).toEqual(plain.json());
  });

  it('says a large answer varies by Accept-Encoding even when it is sent plain', async () => {
    // Twice each: the second comes from the answer cache, which must say the same.
    for (let round = 0; round < 2; round += 1) {
      for (const res of [
        await query(app, 'article.list', { limit: 20 }),
        await app.inject({ url: '/api/articles?limit=20' }),
        await app.inject({ url: '/api/articles?limit=20', headers: { 'x-no-compression': '1' } }),
      ]) {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-encoding']).toBeUndefined();
        const vary = String(res.headers.vary).split(/\s*,\s*/);
        expect(vary).toContain('accept-encoding');
        expect(vary.filter((name) => name === 'accept-encoding')).toHaveLength(1);
      }
    }
    // Compressed, the name is there once, beside the others.
    const gzipped = await app.inject({
      url: '/api/articles?limit=20',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(
      String(gzipped.headers.vary)
        .split(/\s*,\s*/)
        .sort(),
    ).toEqual(['accept-encoding', 'authorization', 'cookie']);
  });

  it('sends small answers as they are', async () => {
    const res = await query(app, 'tag.list', undefined, { 'accept-encoding': 'gzip, br' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toEqual({ result: { data: { tags: ['compression'] } } });
    // Never compressed, so not varying by what the client accepts.
    expect(String(res.headers.vary)).not.toMatch(/accept-encoding/i);
  });

  it('compresses text, JSON, scripts, styles and SVG, never event streams or binary', () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/problem+json',
      'text/html; charset=utf-8',
      'text/javascript; charset=utf-8',
      'application/javascript',
      'text/css',
      'image/svg+xml',
      'text/plain; version=0.0.4',
    ]) {
      expect(COMPRESSIBLE.test(type), type).toBe(true);
    }
    for (const type of ['text/event-stream', 'image/png', 'font/woff2', 'application/zip']) {
      expect(COMPRESSIBLE.test(type), type).toBe(false);
    }
  });
});

describe('live comments with compression on offer', () => {
  it('streams server-sent events uncompressed, each event as it happens', async () => {
    const { app: live, origin } = await serveTestApp();
    const controller = new AbortController();
    try {
      const { db } = await getTestDb();
      const writer = await register(live);
      const author = await createUser(db);
      const article = await createArticle(db, author);
      const input = encodeURIComponent(JSON.stringify({ slug: article.slug }));
      const res = await fetch(`${origin}/trpc/comment.onCreated?input=${input}`, {
        headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip, deflate, br' },
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('content-encoding')).toBeNull();

      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let received = '';
      const until = async (text: string, ms = 5000) => {
        const deadline = Date.now() + ms;
        while (!received.includes(text)) {
          if (Date.now() > deadline) throw new Error(`no "${text}" in ${JSON.stringify(received)}`);
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before "${text}"`);
          received += decoder.decode(value, { stream: true });
        }
      };
      await until('connected');
      // "connected" comes as the stream opens, maybe before the server's LISTEN is in effect (it
      // listens on first use): a comment committed before that is not heard. Short comments, until
      // one arrives, say it is.
      for (let n = 1; ; n++) {
        const warmUp = `warm-up ${n}`;
        await mutate(
          live,
          'comment.create',
          { slug: article.slug, body: warmUp },
          {
            authorization: `Token ${writer.token}`,
          },
        );
        const heard = await until(warmUp, 300).then(
          () => true,
          () => false,
        );
        if (heard) break;
        if (n === 20) throw new Error(`no warm-up comment heard: ${JSON.stringify(received)}`);
      }
      // Longer than the threshold: a compressor would hold it back waiting for more.
      const body = `A live comment ${'that goes on '.repeat(100)}and ends.`;
      const created = await mutate(
        live,
        'comment.create',
        { slug: article.slug, body },
        { authorization: `Token ${writer.token}` },
      );
      expect(created.statusCode).toBe(200);
      await until(body);
    } finally {
      await live.close();
      controller.abort();
    }
  });
});
