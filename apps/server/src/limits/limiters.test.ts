// One contract, run against both stores: whichever the server is given, limits behave the same.
import { randomUUID } from 'node:crypto';
import type { RateLimiter } from '@conduit/api';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLimiter } from './memory';
import { createRedisLimiter } from './redis';

interface Harness {
  limiter: RateLimiter;
  /** Lets `ms` pass: a fake clock in process; a real wait on Redis, which keeps its own clock. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

interface Store {
  name: string;
  enabled: boolean;
  /** Short enough to wait out for real; long enough for a few hits to land inside it. */
  shortWindowMs: number;
  open(): Promise<Harness>;
}

const memoryStore: Store = {
  name: 'memory',
  enabled: true,
  shortWindowMs: 1000,
  async open() {
    let now = 1_000_000;
    const limiter = createMemoryLimiter({ now: () => now });
    return {
      limiter,
      advance: async (ms) => {
        now += ms;
      },
      close: async () => limiter.close(),
    };
  },
};

// Redis runs only when TEST_REDIS_URL is set (CI sets it to redis://127.0.0.1:6379), so a fresh
// clone without Redis still passes. Keys live under a prefix unique to this run, deleted after.
const redisUrl = process.env.TEST_REDIS_URL;
const runPrefix = `conduit:test:rl:${randomUUID()}:`;
let redis: Redis | undefined;
let opened = 0;

const redisStore: Store = {
  name: 'redis',
  enabled: Boolean(redisUrl),
  shortWindowMs: 300,
  async open() {
    redis ??= new Redis(redisUrl ?? '');
    // A prefix per test: no test sees another's counts.
    opened += 1;
    const limiter = createRedisLimiter(redis, { prefix: `${runPrefix}${opened}:` });
    return {
      limiter,
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      close: async () => {},
    };
  },
};

afterAll(async () => {
  if (!redis) return;
  await deleteKeys(redis, `${runPrefix}*`);
  await redis.quit();
});

/** SCAN rather than KEYS: the test Redis may be shared, and KEYS blocks it. */
async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Long enough that no test crosses a window boundary by accident. */
const LONG_WINDOW_MS = 60_000;

describe.each([memoryStore, redisStore])('$name limiter', (store) => {
  describe.runIf(store.enabled)(
    store.enabled ? 'contract' : 'contract (needs TEST_REDIS_URL)',
    () => {
      let h: Harness;
      beforeEach(async () => {
        h = await store.open();
      });
      afterEach(() => h.close());

      it('counts hits within the limit', async () => {
        const results = [];
        for (let i = 0; i < 3; i++) results.push(await h.limiter.hit('user', 3, LONG_WINDOW_MS));
        expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
          [true, 2],
          [true, 1],
          [true, 0],
        ]);
        for (const r of results) {
          expect(r.retryAfterMs).toBeGreaterThan(0);
          expect(r.retryAfterMs).toBeLessThanOrEqual(LONG_WINDOW_MS);
        }
      });

      it('refuses past the limit, saying when the window ends', async () => {
        for (let i = 0; i < 3; i++) await h.limiter.hit('user', 3, LONG_WINDOW_MS);
        const refused = await h.limiter.hit('user', 3, LONG_WINDOW_MS);
        expect(refused.allowed).toBe(false);
        expect(refused.remaining).toBe(0);
        expect(refused.retryAfterMs).toBeGreaterThan(LONG_WINDOW_MS - 10_000);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(LONG_WINDOW_MS);
        expect((await h.limiter.hit('user', 3, LONG_WINDOW_MS)).allowed).toBe(false);
      });

      it('starts a fresh count when the window ends', async () => {
        const windowMs = store.shortWindowMs;
        await h.limiter.hit('user', 2, windowMs);
        await h.limiter.hit('user', 2, windowMs);
        expect((await h.limiter.hit('user', 2, windowMs)).allowed).toBe(false);
        await h.advance(windowMs + 50);
        const fresh = await h.limiter.hit('user', 2, windowMs);
        expect(fresh).toMatchObject({ allowed: true, remaining: 1 });
        expect(fresh.retryAfterMs).toBeGreaterThan(windowMs / 2);
      });

      it('treats a limit of 0 or less as no limit, and counts nothing', async () => {
        for (let i = 0; i < 20; i++) {
          expect((await h.limiter.hit('user', 0, LONG_WINDOW_MS)).allowed).toBe(true);
          expect((await h.limiter.hit('user', -1, LONG_WINDOW_MS)).allowed).toBe(true);
        }
        expect((await h.limiter.peek('user', 0, LONG_WINDOW_MS)).allowed).toBe(true);
        expect(await h.limiter.hit('user', 1, LONG_WINDOW_MS)).toMatchObject({ allowed: true });
      });

      it('peeks without counting, refusing once no hit is left', async () => {
        for (let i = 0; i < 5; i++) {
          expect(await h.limiter.peek('user', 2, LONG_WINDOW_MS)).toEqual({
            allowed: true,
            remaining: 2,
            retryAfterMs: 0,
          });
        }
        // The peeks used nothing up: both hits are allowed.
        expect((await h.limiter.hit('user', 2, LONG_WINDOW_MS)).allowed).toBe(true);
        expect(await h.limiter.peek('user', 2, LONG_WINDOW_MS)).toMatchObject({
          allowed: true,
          remaining: 1,
        });
        expect((await h.limiter.hit('user', 2, LONG_WINDOW_MS)).allowed).toBe(true);
        const full = await h.limiter.peek('user', 2, LONG_WINDOW_MS);
        expect(full).toMatchObject({ allowed: false, remaining: 0 });
        expect(full.retryAfterMs).toBeGreaterThan(0);
      });

      it('resets every window of a key, and only that key', async () => {
        for (let i = 0; i < 3; i++) {
          await h.limiter.hit('user', 2, LONG_WINDOW_MS);
          await h.limiter.hit('user', 2, 2 * LONG_WINDOW_MS);
          await h.limiter.hit('other', 2, LONG_WINDOW_MS);
        }
        await h.limiter.reset('user');
        expect(await h.limiter.hit('user', 2, LONG_WINDOW_MS)).toMatchObject({ allowed: true });
        expect(await h.limiter.hit('user', 2, 2 * LONG_WINDOW_MS)).toMatchObject({ remaining: 1 });
        expect((await h.limiter.hit('other', 2, LONG_WINDOW_MS)).allowed).toBe(false);
        await h.limiter.reset('never-seen');
      });

      it('counts keys, and window lengths of one key, apart', async () => {
        await h.limiter.hit('a', 1, LONG_WINDOW_MS);
        expect((await h.limiter.hit('a', 1, LONG_WINDOW_MS)).allowed).toBe(false);
        expect((await h.limiter.hit('b', 1, LONG_WINDOW_MS)).allowed).toBe(true);
        expect((await h.limiter.hit('a', 1, 2 * LONG_WINDOW_MS)).allowed).toBe(true);
      });

      it('allows exactly the limit among concurrent hits', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, () => h.limiter.hit('burst', 10, LONG_WINDOW_MS)),
        );
        expect(results.filter((r) => r.allowed)).toHaveLength(10);
        expect(results.filter((r) => !r.allowed).every((r) => r.remaining === 0)).toBe(true);
      });

      it('rejects a window that is not a positive length', async () => {
        await expect(h.limiter.hit('user', 1, 0)).rejects.toThrow(RangeError);
        await expect(h.limiter.peek('user', 1, Number.NaN)).rejects.toThrow(RangeError);
      });
    },
  );
});
