// The hot-read cache's shared tier in Redis, so every instance serves the same values and sees
// the same invalidations (decision 038). Three kinds of keys, under one prefix:
//
// - `clock`: a counter, read by every miss before its load and advanced by every invalidation;
// - `t:<tag>`: the clock's reading when the tag was last invalidated (its stamp);
// - `v:<key>`: a value, as `<clock read before its load>\n<its tags, tab-separated>\n<JSON>`.
//
// A lookup is one script, so one round trip: it reads the value, the stamps of its tags, and
// answers the value if no stamp is later than its clock, else the clock for the load to come.
// Redis must not evict these keys (maxmemory-policy noeviction, the default): a stamp evicted
// before the values it hides would let them be served again.
import {
  type CacheStore,
  createLocalTier,
  createTieredCache,
  GENERATION_KEPT_MS,
  type RemoteTier,
} from '@conduit/api';
import type { Redis } from 'ioredis';
import type { RedisBus } from './bus';

const LOOK_UP = `
local kept = redis.call('GET', KEYS[1])
if kept then
  local first = string.find(kept, '\\n', 1, true)
  local second = string.find(kept, '\\n', first + 1, true)
  local clock = tonumber(string.sub(kept, 1, first - 1))
  local tags = string.sub(kept, first + 1, second - 1)
  local fresh = true
  for tag in string.gmatch(tags, '[^\\t]+') do
    local stamp = redis.call('GET', ARGV[1] .. tag)
    if stamp and tonumber(stamp) > clock then
      fresh = false
      break
    end
  end
  if fresh then return {1, tags, string.sub(kept, second + 1)} end
end
return {0, redis.call('GET', KEYS[2]) or '0'}
`;

const STAMP = `
local stamp = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], stamp, 'PX', ARGV[1]) end
return stamp
`;

interface ScriptedRedis extends Redis {
  conduitCacheLookUp(valueKey: string, clockKey: string, tagPrefix: string): Promise<unknown[]>;
  conduitCacheStamp(...keysThenTtl: (string | number)[]): Promise<number>;
}

/** Tags are written as URI components: no tab or newline can break the layout above. */
const tagKey = (tag: string) => encodeURIComponent(tag);

export function createRedisTier(
  redis: Redis,
  { ttlMs, prefix = 'conduit:cache:' }: { ttlMs: number; prefix?: string },
): RemoteTier {
  const scripted = redis as ScriptedRedis;
  // Sent once per connection, then called by its hash (ioredis falls back to the source).
  scripted.defineCommand('conduitCacheLookUp', { numberOfKeys: 2, lua: LOOK_UP });
  scripted.defineCommand('conduitCacheStamp', { lua: STAMP });
  const clockKey = `${prefix}clock`;
  const tagPrefix = `${prefix}t:`;
  return {
    async get(key) {
      const [found, first, second] = await scripted.conduitCacheLookUp(
        `${prefix}v:${key}`,
        clockKey,
        tagPrefix,
      );
      if (found === 1) {
        const tags = String(first)
          .split('\t')
          .filter(Boolean)
          .map((tag) => decodeURIComponent(tag));
        return { payload: String(second), tags };
      }
      return { clock: Number(first) };
    },
    async set(key, payload, tags, clock) {
      const kept = `${clock}\n${tags.map(tagKey).join('\t')}\n${payload}`;
      await redis.set(`${prefix}v:${key}`, kept, 'PX', ttlMs);
    },
    async bump(tags) {
      // A stamp outlives every value loaded before it (see GENERATION_KEPT_MS), then goes: one
      // key per ended session or edited article must not stay forever. The clock itself stays.
      const keys = tags.map((tag) => `${tagPrefix}${tagKey(tag)}`);
      await scripted.conduitCacheStamp(
        keys.length + 1,
        clockKey,
        ...keys,
        ttlMs + GENERATION_KEPT_MS,
      );
    },
  };
}

/**
 * The store the server uses with Redis: the shared tier, and with a bus an in-process tier in
 * front of it for `localTtlMs`. Without a bus (tests of the shared tier alone) every lookup asks
 * Redis.
 */
export function createRedisCache(
  redis: Redis,
  {
    ttlMs,
    prefix,
    bus,
    localTtlMs = LOCAL_TTL_MS,
  }: { ttlMs: number; prefix?: string; bus?: RedisBus; localTtlMs?: number },
): CacheStore {
  return createTieredCache({
    remote: createRedisTier(redis, { ttlMs, prefix }),
    bus,
    local: bus ? createLocalTier({ ttlMs: Math.min(localTtlMs, ttlMs) }) : undefined,
  });
}

/**
 * How long the in-process tier keeps a copy. Invalidation messages keep it honest; this bounds
 * what a message lost without the connection noticing could cost.
 */
export const LOCAL_TTL_MS = 5_000;
