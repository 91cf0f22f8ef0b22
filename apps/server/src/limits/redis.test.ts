// What only the Redis store has to prove: instances share counts, and Redis holds no stale keys.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisLimiter, FAIL_FAST_REDIS_OPTIONS } from './redis';

const redisUrl = process.env.TEST_REDIS_URL;

// Needs a Redis server: runs only when TEST_REDIS_URL is set (CI sets it).
describe.runIf(redisUrl)('redis limiter (needs TEST_REDIS_URL)', () => {
  const prefix = `conduit:test:rl:${randomUUID()}:`;
  // Two clients stand for two server instances sharing one Redis.
  let first: Redis;
  let second: Redis;

  beforeAll(() => {
    first = new Redis(redisUrl ?? '');
    second = new Redis(redisUrl ?? '');
  });
  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await first.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await first.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await Promise.all([first.quit(), second.quit()]);
  });

  it('shares one count between instances, even for concurrent hits', async () => {
    const a = createRedisLimiter(first, { prefix });
    const b = createRedisLimiter(second, { prefix });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).hit('shared', 10, 60_000)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect((await b.peek('shared', 10, 60_000)).allowed).toBe(false);

    await a.reset('shared');
    expect(await b.hit('shared', 10, 60_000)).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('keeps one Redis key per limited key, expiring with its longest window', async () => {
    const limiter = createRedisLimiter(first, { prefix });
    await limiter.hit('user', 5, 10_000);
    const ttl = await first.pttl(`${prefix}user`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);

    await limiter.hit('user', 5, 60_000);
    expect(await first.pttl(`${prefix}user`)).toBeGreaterThan(10_000);
    await limiter.hit('user', 5, 10_000);
    expect(await first.pttl(`${prefix}user`)).toBeGreaterThan(10_000);

    await limiter.reset('user');
    expect(await first.exists(`${prefix}user`)).toBe(0);
  });

  it('leaves nothing behind once the window has passed', async () => {
    const limiter = createRedisLimiter(first, { prefix });
    await limiter.hit('brief', 5, 200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await first.exists(`${prefix}brief`)).toBe(0);
  });
});

describe('redis limiter without a server', () => {
  it('rejects at once, leaving the caller to decide', async () => {
    // Nothing listens on port 1: a real, unreachable Redis.
    const client = new Redis('redis://127.0.0.1:1', {
      ...FAIL_FAST_REDIS_OPTIONS,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    const started = Date.now();
    try {
      await expect(createRedisLimiter(client).hit('user', 5, 1000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      client.disconnect();
    }
  });
});
