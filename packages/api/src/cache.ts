// Hot, viewer-independent reads (the tag list, article views, profiles) kept for a while, with invalidation that is correct
// under concurrency. The server supplies the store: in process, or Redis when several instances
// must see the same invalidations. Procedures only say what to cache and what a write changes.
//
// Invalidation is by generation: a namespace ("tags") has a number, every key is stored under the
// number current when its value was read from the database, and a write bumps the number after it
// committed. A read that raced the write stores its (maybe old) value under the old number, where
// nobody looks any more: once a write is acknowledged, no later read is served what it replaced.

export interface CacheStats {
  hits: number;
  misses: number;
  /** Store failures (Redis away): the read went to the database instead. */
  errors: number;
}

export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  /** Keeps `value` for the store's time to live. */
  set(key: string, value: string): Promise<void>;
  /** The namespace's current generation (0 before the first bump). */
  generation(namespace: string): Promise<number>;
  /** Makes every value stored under the namespace's current generation unreachable. */
  bump(namespace: string): Promise<void>;
  readonly stats: CacheStats;
}

/** Caches nothing: in-process callers and tests that write to the database directly. */
export function createNoCache(): CacheStore {
  return {
    get: async () => undefined,
    set: async () => {},
    generation: async () => 0,
    bump: async () => {},
    stats: { hits: 0, misses: 0, errors: 0 },
  };
}

/**
 * `load()`'s value for `key` in `namespace`, from the store when it holds one for the current
 * generation. A store that fails is bypassed: the database answers, nothing is lost but speed.
 */
export async function cached<T>(
  store: CacheStore,
  namespace: string,
  key: string,
  load: () => Promise<T>,
): Promise<T> {
  let storedKey: string;
  try {
    storedKey = `${namespace}:${await store.generation(namespace)}:${key}`;
    const hit = await store.get(storedKey);
    if (hit !== undefined) {
      store.stats.hits += 1;
      return JSON.parse(hit) as T;
    }
  } catch {
    store.stats.errors += 1;
    return load();
  }
  store.stats.misses += 1;
  const value = await load();
  try {
    await store.set(storedKey, JSON.stringify(value));
  } catch {
    store.stats.errors += 1;
  }
  return value;
}

/**
 * After a committed write: what the namespaces held is gone for every later read. A store that
 * fails here leaves old values reachable until their time to live ends; counted, not thrown,
 * since the write itself succeeded.
 */
export async function invalidate(store: CacheStore, ...namespaces: string[]): Promise<void> {
  await Promise.all(
    namespaces.map((namespace) =>
      store.bump(namespace).catch(() => {
        store.stats.errors += 1;
      }),
    ),
  );
}

/** In process: a bounded map, oldest entries evicted first, each entry kept for `ttlMs`. */
export function createMemoryCache({
  ttlMs,
  maxEntries = 10_000,
  now = Date.now,
}: {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}): CacheStore {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const generations = new Map<string, number>();
  return {
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      // Re-inserted: the Map's order is then least recently used first.
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    async set(key, value) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    async generation(namespace) {
      return generations.get(namespace) ?? 0;
    },
    async bump(namespace) {
      generations.set(namespace, (generations.get(namespace) ?? 0) + 1);
      // Values of older generations can never be read again: free them now.
      for (const key of entries.keys()) if (key.startsWith(`${namespace}:`)) entries.delete(key);
    },
    stats: { hits: 0, misses: 0, errors: 0 },
  };
}
