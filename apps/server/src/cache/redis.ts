// The hot-read cache in Redis, so every instance serves the same values and sees the same
// invalidations (a bump on one instance hides the old values from all of them at once).
import { randomInt } from 'node:crypto';
import { type CacheStore, GENERATION_KEPT_MS } from '@conduit/api';
import type { Redis } from 'ioredis';

/** Generations are drawn from 2^48 values: one never had by its namespace, for all practical purposes. */
const GENERATIONS = 2 ** 48;

export function createRedisCache(
  redis: Redis,
  { ttlMs, prefix = 'conduit:cache:' }: { ttlMs: number; prefix?: string },
): CacheStore {
  return {
    async get(key) {
      return (await redis.get(`${prefix}${key}`)) ?? undefined;
    },
    async set(key, value) {
      await redis.set(`${prefix}${key}`, value, 'PX', ttlMs);
    },
    async generation(namespace) {
      return Number((await redis.get(`${prefix}gen:${namespace}`)) ?? 0);
    },
    async bump(namespace) {
      // A random generation rather than INCR: a counter that starts again at 1 once its key has
      // expired would give an old generation back, with whatever values are still stored under
      // it. Kept past every value of the one before (see cache.ts), then gone: one key per ended
      // session must not stay forever. One command, whichever instance bumps.
      const generation = randomInt(1, GENERATIONS);
      await redis.set(`${prefix}gen:${namespace}`, generation, 'PX', ttlMs + GENERATION_KEPT_MS);
    },
    stats: { hits: 0, misses: 0, errors: 0 },
  };
}
