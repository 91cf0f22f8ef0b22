// Rate limit counters in Redis, so every instance of the server shares one count per client.
import { createHash } from 'node:crypto';
import type { RateLimiter, RateLimitResult } from '@conduit/api';
import type { Redis, RedisOptions } from 'ioredis';
import { assertWindow, UNLIMITED, windowResult } from './memory';

export interface RedisLimiterOptions {
  /** Put before every key, to keep the counters apart from other data (default `conduit:rl:`). */
  prefix?: string;
}

/**
 * Client options that make a Redis outage fail fast instead of hanging. With ioredis defaults a
 * command waits through up to 20 reconnection attempts (~10 s here) before rejecting, and every
 * request behind a fail-open limiter would wait that long. Spread them into the limiter's client.
 */
export const FAIL_FAST_REDIS_OPTIONS = {
  // Reject at once while disconnected rather than queueing until Redis returns.
  enableOfflineQueue: false,
  // Bound a connection that is open but does not answer (overloaded server, dropped packets).
  commandTimeout: 500,
  maxRetriesPerRequest: 1,
} satisfies RedisOptions;

/*
 * One hash per limited key, with two fields per window length: "<windowMs>:n" (hits) and
 * "<windowMs>:end" (when the window ends, in ms on the Redis clock). Keeping each key's counters
 * in one Redis key lets reset() delete exactly that key (no SCAN over the keyspace), and using
 * Redis's clock (TIME) keeps windows consistent across instances whose clocks disagree. The hash
 * expires with its last window, so Redis holds only recently seen keys. Epoch ms has 13 digits,
 * within the 14 that Lua keeps when it turns a number into a string.
 */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Counts one hit; returns {hits in the window, ms until it ends}. Atomic: scripts run alone. */
const HIT_SCRIPT = `${NOW_MS}
local countField = ARGV[1] .. ':n'
local endField = ARGV[1] .. ':end'
local ends = tonumber(redis.call('HGET', KEYS[1], endField))
local count
if ends == nil or ends <= now then
  ends = now + tonumber(ARGV[1])
  count = 1
  redis.call('HSET', KEYS[1], countField, 1, endField, ends)
else
  count = redis.call('HINCRBY', KEYS[1], countField, 1)
end
local left = ends - now
if redis.call('PTTL', KEYS[1]) < left then
  redis.call('PEXPIRE', KEYS[1], left)
end
return {count, left}`;

/** Reads the window without counting; {0, 0} when none is running. */
const PEEK_SCRIPT = `${NOW_MS}
local values = redis.call('HMGET', KEYS[1], ARGV[1] .. ':n', ARGV[1] .. ':end')
local ends = tonumber(values[2])
if ends == nil or ends <= now then
  return {0, 0}
end
return {tonumber(values[1]) or 0, ends - now}`;

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});
const hitScript = script(HIT_SCRIPT);
const peekScript = script(PEEK_SCRIPT);

/**
 * Fixed windows that start at a key's first hit, counted in Redis with one round trip per call.
 *
 * Redis errors (down, timed out) reject the returned promise: the caller decides what an outage
 * means. The global per-IP limit fails open (plugins/rate-limit.ts) so an outage of the shared
 * store does not take the site down; a caller guarding passwords may prefer to fail closed.
 */
export function createRedisLimiter(redis: Redis, options: RedisLimiterOptions = {}): RateLimiter {
  const prefix = options.prefix ?? 'conduit:rl:';

  async function run(s: Script, key: string, windowMs: number): Promise<[number, number]> {
    let reply: unknown;
    try {
      // The script's hash only: its text is sent once per Redis server, not with every hit.
      reply = await redis.evalsha(s.sha, 1, prefix + key, windowMs);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      // Redis restarted or its script cache was flushed: send the text, which caches it again.
      reply = await redis.eval(s.source, 1, prefix + key, windowMs);
    }
    return countAndMsLeft(reply);
  }

  return {
    async hit(key, limit, windowMs): Promise<RateLimitResult> {
      if (limit <= 0) return UNLIMITED;
      assertWindow(windowMs);
      const [count, msLeft] = await run(hitScript, key, Math.ceil(windowMs));
      return windowResult(count, limit, msLeft, true);
    },

    async peek(key, limit, windowMs): Promise<RateLimitResult> {
      if (limit <= 0) return UNLIMITED;
      assertWindow(windowMs);
      const [count, msLeft] = await run(peekScript, key, Math.ceil(windowMs));
      return windowResult(count, limit, msLeft, false);
    },

    async reset(key) {
      await redis.del(prefix + key);
    },
  };
}

function countAndMsLeft(reply: unknown): [number, number] {
  if (Array.isArray(reply) && reply.length === 2) {
    const [count, msLeft] = reply;
    if (typeof count === 'number' && typeof msLeft === 'number') return [count, msLeft];
  }
  throw new Error(`unexpected reply from the rate limit script: ${JSON.stringify(reply)}`);
}
