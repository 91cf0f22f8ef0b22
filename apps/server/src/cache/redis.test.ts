// The Redis store's generations: what the servers (and their invalidations) share.
import { randomUUID } from 'node:crypto';
import { cached, GENERATION_KEPT_MS, invalidate } from '@conduit/api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from './redis';

const redisUrl = process.env.TEST_REDIS_URL;

// Needs a Redis server: runs only when TEST_REDIS_URL is set (CI sets it).
describe.runIf(redisUrl)('createRedisCache (needs TEST_REDIS_URL)', () => {
  const prefix = `conduit:test:gen:${randomUUID()}:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(redisUrl ?? '');
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('gives each bump a new generation, kept past the values of the one before, not forever', async () => {
    const ttlMs = 60_000;
    const store = createRedisCache(redis, { ttlMs, prefix });
    let database = 'v1';
    const read = () => cached(store, 'session:a', 'k', async () => database);
    expect(await read()).toBe('v1');
    const seen = new Set<number>([await store.generation('session:a')]);
    for (let i = 0; i < 3; i++) {
      database = `v${i + 2}`;
      await invalidate(store, 'session:a');
      seen.add(await store.generation('session:a'));
      expect(await read()).toBe(database);
    }
    expect(seen.size).toBe(4);
    const kept = await redis.pttl(`${prefix}gen:session:a`);
    expect(kept).toBeGreaterThan(ttlMs);
    expect(kept).toBeLessThanOrEqual(ttlMs + GENERATION_KEPT_MS);
  });
});
