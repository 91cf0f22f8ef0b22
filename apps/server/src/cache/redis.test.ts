// The Redis tier's stamps and the invalidation bus: what the servers (and their invalidations)
// share.
import { randomUUID } from 'node:crypto';
import { cached, cachedByTags, GENERATION_KEPT_MS, invalidate } from '@conduit/api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisBus, type RedisBus } from './bus';
import { createRedisCache } from './redis';

const redisUrl = process.env.TEST_REDIS_URL;

/** Resolves once `check` holds, probing every 10 ms (at most 5 s). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('never happened');
}

// Needs a Redis server: runs only when TEST_REDIS_URL is set (CI sets it).
describe.runIf(redisUrl)('createRedisCache (needs TEST_REDIS_URL)', () => {
  const prefix = `conduit:test:gen:${randomUUID()}:`;
  const channel = `${prefix}bus`;
  let redis: Redis;
  const buses: RedisBus[] = [];
  beforeAll(() => {
    redis = new Redis(redisUrl ?? '');
  });
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  const busFor = async (name: string) => {
    const bus = await openRedisBus(redis, { channel, connectionName: `${prefix}${name}` });
    buses.push(bus);
    return bus;
  };

  it('stamps each invalidated tag with a later clock, kept past the values before it, not forever', async () => {
    const ttlMs = 60_000;
    const store = createRedisCache(redis, { ttlMs, prefix });
    let database = 'v1';
    const read = () => cached(store, 'session:a', 'k', async () => database);
    expect(await read()).toBe('v1');
    const stamps = new Set<string | null>();
    for (let i = 0; i < 3; i++) {
      database = `v${i + 2}`;
      await invalidate(store, 'session:a');
      stamps.add(await redis.get(`${prefix}t:session%3Aa`));
      expect(await read()).toBe(database);
    }
    expect(stamps.size).toBe(3);
    const kept = await redis.pttl(`${prefix}t:session%3Aa`);
    expect(kept).toBeGreaterThan(ttlMs);
    expect(kept).toBeLessThanOrEqual(ttlMs + GENERATION_KEPT_MS);
  });

  it('never serves, after a write, what a read racing that write loaded before it', async () => {
    const store = createRedisCache(redis, { ttlMs: 60_000, prefix });
    let database = 'old';
    let release: () => void = () => {};
    let started = false;
    const slowRead = cached(store, 'race', 'k', async () => {
      started = true;
      const seen = database;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return seen;
    });
    await until(() => started); // its clock was read before this load
    database = 'new';
    await invalidate(store, 'race');
    release();
    expect(await slowRead).toBe('old');
    expect(await cached(store, 'race', 'k', async () => database)).toBe('new');
  });

  it('keeps tags of any text apart (tabs, newlines, other scripts)', async () => {
    const store = createRedisCache(redis, { ttlMs: 60_000, prefix });
    const odd = ['a\tb', 'line\nbreak', 'ταυτότητα', 'a'];
    const database = { value: 1 };
    const read = () =>
      cachedByTags(
        store,
        'odd',
        async () => database.value,
        () => odd,
      );
    expect(await read()).toBe(1);
    database.value = 2;
    await invalidate(store, 'a\tb'.slice(0, 1)); // 'a': also a tag of the value
    expect(await read()).toBe(2);
    database.value = 3;
    await invalidate(store, 'b');
    expect(await read()).toBe(2);
    await invalidate(store, 'line\nbreak');
    expect(await read()).toBe(3);
  });

  it('drops the in-process copies of every instance before a write is answered', async () => {
    const first = createRedisCache(redis, { ttlMs: 60_000, prefix, bus: await busFor('one') });
    const second = createRedisCache(redis, { ttlMs: 60_000, prefix, bus: await busFor('two') });
    const database = { value: 'v1' };
    const read = (store: typeof first) => cached(store, 'shared', 'k', async () => database.value);
    expect(await read(first)).toBe('v1');
    expect(await read(second)).toBe('v1');
    const localHits = second.stats.localHits;
    expect(await read(second)).toBe('v1');
    expect(second.stats.localHits).toBe(localHits + 1); // from its own memory

    database.value = 'v2';
    await invalidate(first, 'shared');
    // No wait: once invalidate resolved, the second instance has already dropped its copy.
    expect(await read(second)).toBe('v2');
    expect(await read(first)).toBe('v2');
  });

  it('answers its own messages without Redis; the other instances answer through it', async () => {
    // Every answer on the bus's channels, as a third party hears them.
    const listener = new Redis(redisUrl ?? '');
    const heard: string[] = [];
    listener.on('pmessage', (_pattern: string, from: string) => heard.push(from));
    await listener.psubscribe(`${channel}:ack:*`);
    try {
      const unanswered: number[] = [];
      const bus = await openRedisBus(redis, {
        channel,
        connectionName: `${prefix}lone`,
        onUnanswered: (missing) => unanswered.push(missing),
      });
      buses.push(bus);
      const lone = createRedisCache(redis, { ttlMs: 60_000, prefix, bus });
      const before = buses.length;
      await invalidate(lone, 'lonely');
      // Every instance answered, itself included, before the bus gave up waiting.
      expect(unanswered).toEqual([]);
      // The other buses of this suite still listen on the channel: each answers once. Not ours.
      await until(() => heard.length >= before - 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard).toHaveLength(before - 1);
    } finally {
      await listener.quit();
    }
  });

  it("hands its tier the other instances' invalidations, not its own coming back", async () => {
    // Its own copies went before it published: dropping them again when the message comes back
    // would drop what its readers loaded since, after the write.
    const own = await busFor('own');
    const other = await busFor('other');
    const heard: string[][] = [];
    own.subscribe({ heard: (tags) => heard.push(tags), deaf: () => {} });
    // Each resolves once every instance has answered, and an instance answers after its tier.
    await own.publish(['mine']);
    await other.publish(['theirs']);
    expect(heard).toEqual([['theirs']]);
  });

  it('drops its in-process copies on a message it cannot read, and keeps listening', async () => {
    const bus = await busFor('garbled');
    const store = createRedisCache(redis, { ttlMs: 60_000, prefix, bus });
    const read = () => cached(store, 'garbled', 'k', async () => 'v');
    await read();
    await read();
    expect(store.stats.localHits).toBe(1);
    await redis.publish(channel, 'not a message of ours');
    await until(async () => {
      const localHits = store.stats.localHits;
      await read();
      return store.stats.localHits === localHits; // from Redis: the copy was dropped
    });
    expect(bus.listening).toBe(true);
  });

  it('bypasses the in-process tier while its subscriber is disconnected, and clears it', async () => {
    const name = `${prefix}deaf`;
    const bus = await busFor('deaf');
    const store = createRedisCache(redis, { ttlMs: 60_000, prefix, bus });
    const database = { value: 'v1' };
    let loads = 0;
    const read = () =>
      cached(store, 'deaf', 'k', async () => {
        loads += 1;
        return database.value;
      });
    await read();
    await read();
    expect(store.stats.localHits).toBe(1);

    // Only this test's subscriber connection is closed, by its name.
    const clients = await redis.client('LIST');
    const id = String(clients)
      .split('\n')
      .find((line) => line.includes(`name=${prefix}deaf-`) || line.includes(`name=${name}`))
      ?.match(/id=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await redis.client('KILL', 'ID', id ?? '');
    await until(() => !bus.listening);
    const localHits = store.stats.localHits;
    expect(await read()).toBe('v1');
    expect(store.stats.localHits).toBe(localHits); // from Redis, not from memory
    await until(() => bus.listening); // ioredis reconnects
    expect(loads).toBe(1);
  });
});
