import { describe, expect, it } from 'vitest';
import {
  type CacheStore,
  cached,
  createMemoryCache,
  GENERATION_KEPT_MS,
  invalidate,
} from './cache';

describe('createMemoryCache', () => {
  it('forgets an entry when its time to live is over', async () => {
    let now = 1000;
    const store = createMemoryCache({ ttlMs: 100, now: () => now });
    await store.set('k', 'v');
    now += 99;
    expect(await store.get('k')).toBe('v');
    now += 1;
    expect(await store.get('k')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = createMemoryCache({ ttlMs: 10_000, maxEntries: 2 });
    await store.set('a', '1');
    await store.set('b', '2');
    await store.get('a'); // a is now the most recently used
    await store.set('c', '3');
    expect(await store.get('a')).toBe('1');
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('c')).toBe('3');
  });
});

describe('cached and invalidate', () => {
  it('loads once, then answers from the store until the namespace is invalidated', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    let loads = 0;
    const load = async () => ({ tags: [`v${++loads}`] });
    expect(await cached(store, 'tags', '20', load)).toEqual({ tags: ['v1'] });
    expect(await cached(store, 'tags', '20', load)).toEqual({ tags: ['v1'] });
    expect(store.stats).toMatchObject({ hits: 1, misses: 1 });

    await invalidate(store, 'tags');
    expect(await cached(store, 'tags', '20', load)).toEqual({ tags: ['v2'] });
    // Another namespace is untouched by it.
    await cached(store, 'other', 'x', load);
    await invalidate(store, 'tags');
    expect(await cached(store, 'other', 'x', load)).toEqual({ tags: ['v3'] });
  });

  it('never serves, after a write, what a read racing that write loaded before it', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    let database = 'old';
    let release: () => void = () => {};
    const slowRead = cached(store, 'tags', '20', async () => {
      const seen = database; // read before the write commits...
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return seen; // ...stored after it was acknowledged
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    database = 'new';
    await invalidate(store, 'tags'); // the write's acknowledgement follows this
    release();
    expect(await slowRead).toBe('old');
    expect(await cached(store, 'tags', '20', async () => database)).toBe('new');
  });

  it('goes to the database when the store fails, and counts the failure', async () => {
    const broken: CacheStore = {
      get: async () => {
        throw new Error('redis down');
      },
      set: async () => {
        throw new Error('redis down');
      },
      generation: async () => {
        throw new Error('redis down');
      },
      bump: async () => {
        throw new Error('redis down');
      },
      stats: { hits: 0, misses: 0, errors: 0 },
    };
    expect(await cached(broken, 'tags', '20', async () => 'from the database')).toBe(
      'from the database',
    );
    await invalidate(broken, 'tags');
    expect(broken.stats.errors).toBe(2);
  });
});

describe('generations', () => {
  it('never come back: a bump after the namespace was forgotten hides what was stored before', async () => {
    let now = 0;
    const ttlMs = 1000;
    const store = createMemoryCache({ ttlMs, now: () => now });
    let database = 'v1';
    const read = () => cached(store, 'session:a', 'k', async () => database);
    await invalidate(store, 'session:a');
    const first = await store.generation('session:a');
    expect(await read()).toBe('v1');

    // Forgotten once nothing stored under the generation before it can be alive...
    now += ttlMs + GENERATION_KEPT_MS;
    expect(await store.generation('session:a')).toBe(0);
    // ...and the next bump gives a generation the namespace never had, so v1 stays out of reach
    // even if it were still stored.
    await store.set(`session:a:${first}:k`, JSON.stringify('v1'));
    database = 'v2';
    await invalidate(store, 'session:a');
    expect(await store.generation('session:a')).not.toBe(first);
    expect(await read()).toBe('v2');
  });
});
