// Where clients last wrote, in a real Redis (TEST_REDIS_URL): shared by every instance.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisWritePositions } from './redis-positions';

const url = process.env.TEST_REDIS_URL;

describe.skipIf(!url)('write positions in Redis (needs TEST_REDIS_URL)', () => {
  const redis = new Redis(url ?? '', { lazyConnect: true });
  // A second client, as another instance would have.
  const elsewhere = redis.duplicate();
  const prefix = `conduit:test:rw:${process.pid}:${Date.now()}:`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await Promise.all([redis.quit(), elsewhere.quit()]);
  });

  it('keeps the later of two positions for every instance, and forgets it when it expires', async () => {
    const one = createRedisWritePositions(redis, { prefix });
    const other = createRedisWritePositions(elsewhere, { prefix });
    // Beyond 2^32: both halves of an LSN matter.
    await one.put('user:1', 0x16_b374_d848n, 60_000);
    await other.put('user:1', 0x16_0000_0000n, 60_000);
    expect(await other.get('user:1')).toBe(0x16_b374_d848n);
    await other.put('user:1', 0x17_0000_0000n, 60_000);
    expect(await one.get('user:1')).toBe(0x17_0000_0000n);
    expect(await one.get('user:2')).toBeUndefined();

    await one.put('user:3', 42n, 50);
    expect(await one.get('user:3')).toBe(42n);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await one.get('user:3')).toBeUndefined();
  });
});
