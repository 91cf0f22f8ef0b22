// The global limit over real HTTP semantics (app.inject), on a bare Fastify app.
import type { RateLimiter } from '@conduit/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLimiter } from '../limits/memory';
import { createRedisLimiter, FAIL_FAST_REDIS_OPTIONS } from '../limits/redis';
import { errorsPlugin } from './errors';
import { type RateLimitOptions, rateLimitPlugin } from './rate-limit';

let app: FastifyInstance | undefined;
afterEach(() => app?.close());

interface Setup extends Partial<RateLimitOptions> {
  logs?: Record<string, unknown>[];
}

async function buildTestApp({ logs, ...options }: Setup = {}) {
  const served = { count: 0 };
  app = Fastify({
    logger: logs
      ? { level: 'warn', stream: { write: (line: string) => logs.push(JSON.parse(line)) } }
      : false,
  });
  await app.register(errorsPlugin);
  await app.register(rateLimitPlugin, {
    limiter: createMemoryLimiter(),
    max: 3,
    windowMs: 60_000,
    ...options,
  });
  app.get('/articles', async () => {
    served.count += 1;
    return { articles: [] };
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => ({ status: 'ready' }));
  return { app, served };
}

describe('rate limit plugin', () => {
  it('serves up to the limit, then refuses with 429, Retry-After and a JSON error', async () => {
    const { app, served } = await buildTestApp({ max: 3, windowMs: 60_000 });
    for (const remaining of ['2', '1', '0']) {
      const res = await app.inject('/articles');
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('3');
      expect(res.headers['ratelimit-remaining']).toBe(remaining);
      expect(res.headers['ratelimit-reset']).toBe('60');
    }

    const refused = await app.inject('/articles');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.json()).toEqual({
      error: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests, retry in 60 s' },
    });
    // Refused before the handler: a flood does no work beyond the count.
    expect(served.count).toBe(3);
  });

  it('rounds Retry-After up to whole seconds, never below 1', async () => {
    let now = 0;
    const limiter = createMemoryLimiter({ now: () => now });
    const { app } = await buildTestApp({ limiter, max: 1, windowMs: 1500 });
    await app.inject('/articles');
    expect((await app.inject('/articles')).headers['retry-after']).toBe('2');
    now = 1499;
    expect((await app.inject('/articles')).headers['retry-after']).toBe('1');
  });

  it('never counts the health probes', async () => {
    const { app } = await buildTestApp({ max: 1 });
    for (let i = 0; i < 5; i++) {
      expect((await app.inject('/healthz')).statusCode).toBe(200);
      expect((await app.inject('/readyz?probe=lb')).statusCode).toBe(200);
    }
    expect((await app.inject('/articles')).statusCode).toBe(200);
    expect((await app.inject('/articles')).statusCode).toBe(429);
    // Still answered once the client is over its limit.
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('takes its own list of exempt paths instead of the default', async () => {
    const { app } = await buildTestApp({ max: 1, exempt: ['/articles'] });
    for (let i = 0; i < 3; i++) expect((await app.inject('/articles')).statusCode).toBe(200);
    await app.inject('/healthz');
    expect((await app.inject('/healthz')).statusCode).toBe(429);
  });

  it('counts requests to unknown routes too (scanners)', async () => {
    const { app } = await buildTestApp({ max: 2 });
    expect((await app.inject('/wp-admin')).statusCode).toBe(404);
    expect((await app.inject('/.env')).statusCode).toBe(404);
    expect((await app.inject('/articles')).statusCode).toBe(429);
  });

  it('limits nothing, and asks the store nothing, when max is 0', async () => {
    let calls = 0;
    const counting: RateLimiter = {
      hit: async () => {
        calls += 1;
        return { allowed: false, remaining: 0, retryAfterMs: 1000 };
      },
      peek: async () => ({ allowed: false, remaining: 0, retryAfterMs: 1000 }),
      reset: async () => {},
    };
    const { app } = await buildTestApp({ limiter: counting, max: 0 });
    for (let i = 0; i < 10; i++) {
      const res = await app.inject('/articles');
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    expect(calls).toBe(0);
  });

  it('counts each client address apart', async () => {
    const { app } = await buildTestApp({ max: 1 });
    const from = (remoteAddress: string) => app.inject({ url: '/articles', remoteAddress });
    expect((await from('198.51.100.1')).statusCode).toBe(200);
    expect((await from('198.51.100.1')).statusCode).toBe(429);
    expect((await from('198.51.100.2')).statusCode).toBe(200);
  });

  it('ignores X-Forwarded-For from a client that is not a trusted proxy', async () => {
    // trustProxy is off on this bare app: a forged header must not buy a fresh count.
    const { app } = await buildTestApp({ max: 1 });
    const forged = (ip: string) =>
      app.inject({
        url: '/articles',
        remoteAddress: '198.51.100.1',
        headers: { 'x-forwarded-for': ip },
      });
    expect((await forged('203.0.113.1')).statusCode).toBe(200);
    expect((await forged('203.0.113.2')).statusCode).toBe(429);
  });

  it('counts an IPv6 /64 as one client', async () => {
    const { app } = await buildTestApp({ max: 1 });
    const from = (remoteAddress: string) => app.inject({ url: '/articles', remoteAddress });
    expect((await from('2001:db8:1:2::1')).statusCode).toBe(200);
    expect((await from('2001:db8:1:2:ffff::9')).statusCode).toBe(429);
    expect((await from('2001:db8:1:3::1')).statusCode).toBe(200);
    expect((await from('198.51.100.7')).statusCode).toBe(200);
    expect((await from('::ffff:198.51.100.7')).statusCode).toBe(429);
  });

  it('lets requests through, with one warning, when the store fails', async () => {
    const failing: RateLimiter = {
      hit: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      peek: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      reset: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
    };
    const logs: Record<string, unknown>[] = [];
    const { app, served } = await buildTestApp({ limiter: failing, max: 1, logs });
    for (let i = 0; i < 5; i++) {
      const res = await app.inject('/articles');
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    expect(served.count).toBe(5);
    const warnings = logs.filter(
      (line) => line.msg === 'rate limiter unavailable; requests let through uncounted',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40 });
  });

  it('lets requests through at once when Redis is unreachable', async () => {
    // Nothing listens on port 1: a real Redis outage, with the client options we recommend.
    const client = new Redis('redis://127.0.0.1:1', {
      ...FAIL_FAST_REDIS_OPTIONS,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      const { app } = await buildTestApp({ limiter: createRedisLimiter(client), max: 1, logs: [] });
      const started = Date.now();
      for (let i = 0; i < 3; i++) expect((await app.inject('/articles')).statusCode).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      client.disconnect();
    }
  });
});
