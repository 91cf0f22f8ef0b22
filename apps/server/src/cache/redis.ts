// The hot-read cache in Redis, so every instance serves the same values and sees the same
// invalidations (a bump on one instance hides the old values from all of them at once).
import type { CacheStore } from '@conduit/api';
import type { Redis } from 'ioredis';

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
      // Never expires: a generation that went back to 0 could make old values readable again.
      await redis.incr(`${prefix}gen:${namespace}`);
    },
    stats: { hits: 0, misses: 0, errors: 0 },
  };
}
