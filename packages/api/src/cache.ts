// Hot, viewer-independent reads (the tag list, article views, profiles) kept for a while, with invalidation that is correct
// under concurrency. The server supplies the store: in process, or Redis when several instances
// must see the same invalidations. Procedures only say what to cache and what a write changes.
//
// Invalidation is by generation: a namespace ("tags") has a number, every key is stored under the
// number current when its value was read from the database, and a write bumps the number after it
// committed. A read that raced the write stores its (maybe old) value under the old number, where
// nobody looks any more: once a write is acknowledged, no later read is served what it replaced.
//
// A bump gives a number the namespace never had (so no old value can come back), and the store
// keeps it only for GENERATION_KEPT_MS beyond its time to live: by then every value stored under
// the number before has expired, and the namespace may as well be back at 0. That lets fine
// namespaces (one per session) cost nothing once idle.

import { inChildSpan } from '@conduit/telemetry';

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
  /** The namespace's current generation (0 before the first bump, and once it was forgotten). */
  generation(namespace: string): Promise<number>;
  /**
   * Makes every value stored under the namespace's earlier generations unreachable: gives it a
   * generation it never had, kept for the time to live plus GENERATION_KEPT_MS.
   */
  bump(namespace: string): Promise<void>;
  readonly stats: CacheStats;
}

/**
 * How much longer than its values a generation is kept. A value is stored one read after its
 * generation was looked up, so a value of the generation before a bump lives at most the time
 * to live plus that read; this is far longer than any read takes.
 */
export const GENERATION_KEPT_MS = 5 * 60_000;

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
 * Traced as a span per lookup (`cache articles`), its Redis commands and the load under it.
 */
export function cached<T>(
  store: CacheStore,
  namespace: string,
  key: string,
  load: () => Promise<T>,
): Promise<T> {
  const area = areaOf(namespace);
  const span = { attributes: { 'conduit.cache.namespace': area } };
  return inChildSpan(`cache ${area}`, span, (traced) =>
    lookUp(store, namespace, key, load, (result) => {
      store.stats[STAT_OF[result]] += 1;
      traced?.setAttribute('conduit.cache.result', result);
    }),
  );
}

const STAT_OF = { hit: 'hits', miss: 'misses', error: 'errors' } as const;

/** The namespace's kind, without the id of fine ones (`session:<id>` is `session`): span names. */
function areaOf(namespace: string): string {
  return namespace.split(':')[0] ?? namespace;
}

async function lookUp<T>(
  store: CacheStore,
  namespace: string,
  key: string,
  load: () => Promise<T>,
  count: (result: 'hit' | 'miss' | 'error') => void,
): Promise<T> {
  let storedKey: string;
  try {
    storedKey = `${namespace}:${await store.generation(namespace)}:${key}`;
    const hit = await store.get(storedKey);
    if (hit !== undefined) {
      count('hit');
      return JSON.parse(hit) as T;
    }
  } catch {
    count('error');
    return load();
  }
  count('miss');
  const value = await load();
  try {
    await store.set(storedKey, JSON.stringify(value));
  } catch {
    count('error');
  }
  return value;
}

/**
 * After a committed write: what the namespaces held is gone for every later read. A store that
 * fails here leaves old values reachable until their time to live ends; counted, not thrown,
 * since the write itself succeeded.
 */
export function invalidate(store: CacheStore, ...namespaces: string[]): Promise<void> {
  const areas = [...new Set(namespaces.map(areaOf))];
  const span = { attributes: { 'conduit.cache.namespace': areas } };
  return inChildSpan('cache invalidate', span, async () => {
    await Promise.all(
      namespaces.map((namespace) =>
        store.bump(namespace).catch(() => {
          store.stats.errors += 1;
        }),
      ),
    );
  });
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
  const generations = new Map<string, { value: number; keptUntil: number }>();
  // Generations given out by this store, never twice: a counter is enough within one process.
  let lastGeneration = 0;
  let sweepAt = 1000;
  /** Forgets expired generations once there are many: one per ended session adds up. */
  const sweepGenerations = () => {
    if (generations.size < sweepAt) return;
    for (const [namespace, { keptUntil }] of generations)
      if (keptUntil <= now()) generations.delete(namespace);
    sweepAt = Math.max(1000, generations.size * 2);
  };
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
      const kept = generations.get(namespace);
      if (!kept) return 0;
      if (kept.keptUntil > now()) return kept.value;
      generations.delete(namespace);
      return 0;
    },
    async bump(namespace) {
      lastGeneration += 1;
      generations.set(namespace, {
        value: lastGeneration,
        keptUntil: now() + ttlMs + GENERATION_KEPT_MS,
      });
      sweepGenerations();
      // Values of older generations are not looked for again: unread, they are the first evicted
      // and expire with their time to live. Searching for them here would cost a pass over every
      // entry per bump, and a password change bumps one namespace per ended session.
    },
    stats: { hits: 0, misses: 0, errors: 0 },
  };
}
