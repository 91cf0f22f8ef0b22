import { describe, expect, it } from 'vitest';
import {
  type CacheStore,
  cached,
  cachedByTags,
  createMemoryCache,
  createTieredCache,
  type InvalidationBus,
  invalidate,
  type RemoteTier,
} from './cache';
import { createLocalTier, FILL_MAX_MS } from './cache-local';

/** A load that counts its calls and answers what `database` holds then. */
function counted(database: { value: string }) {
  const load = async () => {
    load.calls += 1;
    return database.value;
  };
  load.calls = 0;
  return load;
}

describe('createMemoryCache', () => {
  it('forgets an entry when its time to live is over', async () => {
    let now = 1000;
    const store = createMemoryCache({ ttlMs: 100, now: () => now });
    const load = counted({ value: 'v' });
    await cached(store, 'n', 'k', load);
    now += 99;
    await cached(store, 'n', 'k', load);
    expect(load.calls).toBe(1);
    now += 1;
    await cached(store, 'n', 'k', load);
    expect(load.calls).toBe(2);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = createMemoryCache({ ttlMs: 10_000, maxEntries: 2 });
    const loads: string[] = [];
    const read = (key: string) =>
      cached(store, 'n', key, async () => {
        loads.push(key);
        return key;
      });
    await read('a');
    await read('b');
    await read('a'); // a is now the most recently used
    await read('c');
    await read('a');
    await read('c');
    expect(loads).toEqual(['a', 'b', 'c']);
    await read('b');
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
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

  it('drops a value by the tags learnt from it, and only the values showing those', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    const database = { a: 'a1', b: 'b1' };
    const read = (key: 'a' | 'b') =>
      cachedByTags(
        store,
        `page:${key}`,
        async () => ({ key, text: database[key] }),
        (value) => [`entity:${value.key}`, 'shared'],
      );
    await read('a');
    await read('b');
    database.a = 'a2';
    database.b = 'b2';
    await invalidate(store, 'entity:a');
    expect((await read('a')).text).toBe('a2');
    expect((await read('b')).text).toBe('b1');
    await invalidate(store, 'shared');
    expect((await read('b')).text).toBe('b2');
  });

  it('keeps nothing when the tags are undefined', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    const load = counted({ value: 'v' });
    await cachedByTags(store, 'k', load, () => undefined);
    await cachedByTags(store, 'k', load, () => undefined);
    expect(load.calls).toBe(2);
  });

  it('goes to the database when the shared tier fails, and counts the failure', async () => {
    const down = async () => {
      throw new Error('redis down');
    };
    const broken = createTieredCache({ remote: { get: down, set: down, bump: down } });
    expect(await cached(broken, 'tags', '20', async () => 'from the database')).toBe(
      'from the database',
    );
    await invalidate(broken, 'tags');
    expect(broken.stats.errors).toBe(2);
  });

  it('gives kept copies frozen: a caller changing one would change it for everybody', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    const read = () => cached(store, 'n', 'k', async () => ({ list: [1] }));
    await read();
    const hit = await read();
    expect(() => hit.list.push(2)).toThrow(TypeError);
  });
});

describe('concurrent misses of one key (single flight)', () => {
  it('load once, the others wait for that load', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    let release: () => void = () => {};
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return 'value';
    };
    const reads = Array.from({ length: 10 }, () => cached(store, 'n', 'k', load));
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    expect(await Promise.all(reads)).toEqual(Array(10).fill('value'));
    expect(loads).toBe(1);
    expect(store.stats).toMatchObject({ misses: 1, hits: 9, coalesced: 9 });
  });

  it('are not given what a load begun before a write read: a read after it loads again', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    const database = { value: 'old' };
    let release: () => void = () => {};
    const slow = cached(store, 'n', 'k', async () => {
      const seen = database.value;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return seen;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    database.value = 'new';
    await invalidate(store, 'n');
    const after = cached(store, 'n', 'k', async () => database.value);
    release();
    expect(await slow).toBe('old');
    expect(await after).toBe('new');
  });

  it('a failed load is not shared: each waiting read tries its own', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    let fail = true;
    let release: () => void = () => {};
    const first = cached(store, 'n', 'k', async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      if (fail) throw new Error('database away');
      return 'never';
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const second = cached(store, 'n', 'k', async () => 'loaded again');
    fail = true;
    release();
    await expect(first).rejects.toThrow('database away');
    expect(await second).toBe('loaded again');
  });
});

/** A bus for one instance whose hearing the test switches off and on. */
function testBus() {
  let handlers: Parameters<InvalidationBus['subscribe']>[0] | undefined;
  const bus = {
    listening: true,
    published: [] as string[][],
    async publish(tags: readonly string[]) {
      bus.published.push([...tags]);
      handlers?.heard([...tags]);
    },
    subscribe(given: typeof handlers) {
      handlers = given;
    },
    deafen() {
      bus.listening = false;
      handlers?.deaf();
    },
  };
  return bus;
}

/** A shared tier in a map, with the clock scheme of the Redis one. */
function mapTier(): RemoteTier & { gets: number } {
  const values = new Map<string, { payload: string; tags: string[]; clock: number }>();
  const stamps = new Map<string, number>();
  let clock = 0;
  const tier = {
    gets: 0,
    async get(key: string) {
      tier.gets += 1;
      const kept = values.get(key);
      if (kept?.tags.every((tag) => (stamps.get(tag) ?? 0) <= kept.clock))
        return { payload: kept.payload, tags: kept.tags };
      return { clock };
    },
    async set(key: string, payload: string, tags: readonly string[], at: number) {
      values.set(key, { payload, tags: [...tags], clock: at });
    },
    async bump(tags: readonly string[]) {
      clock += 1;
      for (const tag of tags) stamps.set(tag, clock);
    },
  };
  return tier;
}

describe('the in-process tier in front of a shared one', () => {
  it('answers without a round trip, drops copies on a message, and is bypassed while deaf', async () => {
    const remote = mapTier();
    const bus = testBus();
    const store: CacheStore = createTieredCache({
      remote,
      bus,
      local: createLocalTier({ ttlMs: 10_000 }),
    });
    const database = { value: 'v1' };
    const read = () => cached(store, 'n', 'k', counted(database));
    expect(await read()).toBe('v1');
    expect(await read()).toBe('v1');
    expect(remote.gets).toBe(1);
    expect(store.stats.localHits).toBe(1);

    database.value = 'v2';
    await invalidate(store, 'n');
    expect(bus.published).toEqual([['n']]);
    expect(await read()).toBe('v2');

    bus.deafen();
    const gets = remote.gets;
    expect(await read()).toBe('v2');
    expect(remote.gets).toBe(gets + 1); // deaf: the shared tier answers
  });

  it('keeps no copy of a value fetched while one of its tags was invalidated', () => {
    let now = 0;
    const local = createLocalTier({ ttlMs: 10_000, now: () => now });
    const before = local.mark();
    local.drop(['a']);
    local.keep('k', 'old', ['a'], before);
    expect(local.get('k')).toBeUndefined();
    local.keep('k', 'other tags', ['b'], before);
    expect(local.get('k')?.value).toBe('other tags');
    const slow = local.mark();
    now += FILL_MAX_MS + 1;
    local.drop(['c']);
    local.keep('slow', 'v', ['b'], slow);
    expect(local.get('slow')).toBeUndefined();
  });
});

describe('whole answers made of cached reads (decision 043)', () => {
  /** Runs `make` as a request would: its reads through a watch, then keeping what it made. */
  const answer = async (
    store: CacheStore,
    key: string,
    make: (store: CacheStore) => Promise<string>,
  ) => {
    const watch = store.answers.watch();
    const made = await make(watch?.store ?? store);
    watch?.keep(key, made);
    return made;
  };

  it('keeps an answer until a tag of one of its reads is invalidated', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    const database = { article: 'a1', tags: 't1' };
    const page = async (through: CacheStore) =>
      `${await cached(through, 'article', 'x', counted({ value: database.article }))} ${await cached(through, 'tags', 'all', counted({ value: database.tags }))}`;
    expect(store.answers.get('/x')).toBeUndefined();
    expect(await answer(store, '/x', page)).toBe('a1 t1');
    expect(store.answers.get('/x')).toBe('a1 t1');
    expect(store.stats.answers).toBe(1);

    await invalidate(store, 'unrelated');
    expect(store.answers.get('/x')).toBe('a1 t1');
    database.tags = 't2';
    await invalidate(store, 'tags');
    expect(store.answers.get('/x')).toBeUndefined();
    expect(await answer(store, '/x', page)).toBe('a1 t2');
    expect(store.answers.get('/x')).toBe('a1 t2');
  });

  it('keeps no answer whose reads raced a write, had no tags, or that read nothing cached', async () => {
    const store = createMemoryCache({ ttlMs: 10_000 });
    // A write lands between the request's start and its read: what it read may predate the write.
    await answer(store, '/raced', async (through) => {
      await invalidate(store, 'article');
      return cached(through, 'article', 'x', async () => 'maybe old');
    });
    expect(store.answers.get('/raced')).toBeUndefined();
    // A read kept under no tags cannot be invalidated: neither can an answer made of it.
    await answer(store, '/untagged', () =>
      cachedByTags(
        store,
        'k',
        async () => 'v',
        () => undefined,
      ),
    );
    expect(store.answers.get('/untagged')).toBeUndefined();
    // A read that failed, answered otherwise: what was used instead is not known to the cache.
    await answer(store, '/failed', async (through) => {
      await cached(through, 'tags', 'all', async () => 'kept part');
      return cached(through, 'article', 'gone', async () => {
        throw new Error('not found');
      }).catch(() => 'answered from elsewhere');
    });
    expect(store.answers.get('/failed')).toBeUndefined();
    // Nothing read through the cache: nothing would ever drop it.
    await answer(store, '/direct', async () => 'from the database itself');
    expect(store.answers.get('/direct')).toBeUndefined();
    // Reads made around the watch, not through it: nothing to keep.
    const watch = store.answers.watch();
    await cached(store, 'article', 'x', async () => 'read elsewhere');
    watch?.keep('/elsewhere', 'x');
    expect(store.answers.get('/elsewhere')).toBeUndefined();
  });

  it('keeps none without an in-process tier that hears every invalidation', async () => {
    const bus = testBus();
    const store = createTieredCache({
      remote: mapTier(),
      bus,
      local: createLocalTier({ ttlMs: 10_000 }),
    });
    const page = (through: CacheStore) => cached(through, 'n', 'k', async () => 'v');
    await answer(store, '/heard', page);
    expect(store.answers.get('/heard')).toBe('v');
    await invalidate(store, 'n');
    expect(store.answers.get('/heard')).toBeUndefined();
    bus.deafen();
    await answer(store, '/deaf', page);
    expect(store.answers.get('/deaf')).toBeUndefined();
    expect(createTieredCache({ remote: mapTier() }).answers.get('/heard')).toBeUndefined();
  });
});
