import { Agent, get as httpGet } from 'node:http';
import { createDb } from '@conduit/db';
import { createArticle, createUser, getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { buildTestApp, testConfig } from './helpers';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(() => app.close());
beforeEach(async () => resetDb((await getTestDb()).db));

describe('health', () => {
  it('answers /healthz while alive', async () => {
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz when the database answers', async () => {
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready' });
  });

  it('answers /readyz with 503 when the database does not', async () => {
    // Nothing listens on port 1: a real, unreachable PostgreSQL server.
    const database = await createDb({ url: 'postgres://conduit@127.0.0.1:1/none', poolMax: 1 });
    const unready = await buildApp(testConfig(), { database });
    try {
      const res = await unready.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', database: 'unreachable' });
      expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      expect((await unready.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await unready.close();
      await database.close();
    }
  });
});

describe('errors', () => {
  it('answers an unknown route with a JSON 404', async () => {
    const res = await app.inject('/no/such/page?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for GET /no/such/page' },
    });
  });

  it('answers malformed JSON with a 400 naming the problem', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/anything',
      headers: { 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/not valid JSON/) },
    });
  });

  it('answers malformed tRPC input with a 400, not a 500', async () => {
    const res = await app.inject('/trpc/tag.list?input=%7Bnot-json');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { data: { code: 'BAD_REQUEST', httpStatus: 400 } } });
  });

  it('answers an oversized body with a 413', async () => {
    const small = await buildTestApp({ BODY_LIMIT_BYTES: '2048' });
    try {
      for (const url of ['/trpc/tag.list', '/anything']) {
        const res = await small.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ body: 'x'.repeat(4096) }),
        });
        expect(res.statusCode).toBe(413);
        expect(res.json()).toEqual({
          error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) },
        });
      }
    } finally {
      await small.close();
    }
  });

  it('gives every response a request id, keeping a well-formed incoming one', async () => {
    const fresh = await app.inject('/healthz');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'lb-1234' } });
    expect(kept.headers['x-request-id']).toBe('lb-1234');
    const refused = await app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    expect(refused.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('tRPC over HTTP', () => {
  it('answers tag.list with the tags in use, most used first', async () => {
    const { db } = await getTestDb();
    const author = await createUser(db);
    await createArticle(db, author, { tagList: ['postgres', 'fastify'] });
    await createArticle(db, author, { tagList: ['postgres'] });

    const res = await app.inject('/trpc/tag.list');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ result: { data: { tags: ['postgres', 'fastify'] } } });
  });

  it('names the field of an invalid input', async () => {
    const input = encodeURIComponent(JSON.stringify({ limit: 0 }));
    const res = await app.inject(`/trpc/tag.list?input=${input}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.data.fieldErrors).toEqual({ limit: [expect.stringMatching(/>=1/)] });
    expect(res.json().error.data).not.toHaveProperty('stack');
  });

  it('batches calls, up to the configured batch size', async () => {
    const paths = (n: number) => Array.from({ length: n }, () => 'tag.list').join(',');
    const ok = await app.inject(`/trpc/${paths(10)}?batch=1&input=%7B%7D`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toHaveLength(10);

    const tooMany = await app.inject(`/trpc/${paths(11)}?batch=1&input=%7B%7D`);
    expect(tooMany.statusCode).toBe(400);
    expect(JSON.stringify(tooMany.json())).toMatch(/Batch call exceeds maximum size/);
  });

  it('says JSON of the refusals tRPC makes before any procedure runs (not text/plain)', async () => {
    for (const request of [
      { method: 'PUT' as const, url: '/trpc/tag.list' },
      {
        method: 'POST' as const,
        url: '/trpc/auth.login,tag.list?batch=1',
        payload: '{}',
        headers: { 'content-type': 'application/json' },
      },
    ]) {
      const res = await app.inject(request);
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject({ error: { data: { code: expect.any(String) } } });
    }
  });

  it('answers an unknown procedure with a 404', async () => {
    const res = await app.inject('/trpc/tag.nothing');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { data: { code: 'NOT_FOUND' } } });
  });
});

describe('stopping', () => {
  it('answers a request that arrives on an open connection while it stops, and closes that connection', async () => {
    const stopping = await buildApp(testConfig(), { database: await getTestDb() });
    // Holds the stop in its first phase: stopping has begun, open connections are still open.
    let proceed: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      proceed = resolve;
    });
    let stopBegan: () => void = () => {};
    const began = new Promise<void>((resolve) => {
      stopBegan = resolve;
    });
    stopping.addHook('preClose', async () => {
      stopBegan();
      await held;
    });
    await stopping.listen({ port: 0, host: '127.0.0.1' });
    const address = stopping.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; connection: string | undefined; socket: unknown }>(
        (resolve, reject) => {
          const req = httpGet({ port: address.port, host: '127.0.0.1', path: '/healthz', agent });
          req.on('response', (res) => {
            res.resume();
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                connection: res.headers.connection,
                socket: req.socket,
              }),
            );
          });
          req.on('error', reject);
        },
      );
    try {
      const before = await get();
      expect(before).toMatchObject({ status: 200, connection: 'keep-alive' });
      const closed = stopping.close();
      await began;
      const during = await get();
      expect(during.socket).toBe(before.socket); // the same, already open connection
      expect(during).toMatchObject({ status: 200, connection: 'close' });
      proceed();
      await closed;
    } finally {
      proceed();
      agent.destroy();
    }
  });
});
