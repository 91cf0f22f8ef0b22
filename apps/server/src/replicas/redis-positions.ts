// Where each client last wrote (read-your-writes with replicas, decision 039), in Redis: a write
// through one instance is then known to all, so the client's next read, through any of them,
// goes to the primary until a replica has replayed that write.
import { createHash } from 'node:crypto';
import type { WritePositions } from '@conduit/api';
import type { Redis } from 'ioredis';

/**
 * Keeps the later of the kept and the given position, and (re)starts its expiry: two writes of one
 * client may finish in either order. Positions are decimal byte offsets; Lua compares them as
 * doubles, exact below 2^53 bytes of log (8 PiB), far beyond any server's lifetime of writes.
 */
const PUT_LATER = `local kept = redis.call('GET', KEYS[1])
if kept and tonumber(kept) > tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const PUT_LATER_SHA = createHash('sha1').update(PUT_LATER).digest('hex');

export function createRedisWritePositions(
  redis: Redis,
  { prefix = 'conduit:rw:' }: { prefix?: string } = {},
): WritePositions {
  return {
    async get(client) {
      const kept = await redis.get(prefix + client);
      return kept === null ? undefined : BigInt(kept);
    },
    async put(client, position, ttlMs) {
      const args = [1, prefix + client, position.toString(), Math.ceil(ttlMs)] as const;
      try {
        await redis.evalsha(PUT_LATER_SHA, ...args);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        // Redis restarted or its scripts were flushed: the text, once, caches it again.
        await redis.eval(PUT_LATER, ...args);
      }
    },
  };
}
