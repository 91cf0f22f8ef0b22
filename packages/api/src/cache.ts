// Hot, viewer-independent reads (article pages, list pages, profiles, the tag list) and sessions,
// kept for a while, with invalidation by entity that is correct under concurrency (decision 038).
// The server supplies the store: in process, or Redis (with an in-process tier in front, kept
// honest by messages) when several instances must see the same invalidations. Procedures only
// say what to cache, which entities (tags) a value was made from, and which a write changed.
//
// Invalidation is by tag, against a logical clock: a write, once committed, stamps each tag it
// changed with a new reading of the clock; a value is stored with the reading taken before it was
// loaded, and is served only while none of its tags carries a later stamp. A read that raced the
// write read the clock before the stamp, so its (maybe old) value is refused: once a write is
// acknowledged, no later read is served what it replaced. The tags of a value may be learnt from
// the value itself (the author of an article), since the clock was read before the load.
//
// A stamp is kept only for GENERATION_KEPT_MS beyond the time to live: by then every value
// loaded before it has expired, so fine tags (one per article, one per session) cost nothing once
// idle.

import { inChildSpan } from '@conduit/telemetry';
import { createLocalTier, type LocalTier, type Mark } from './cache-local';

export interface CacheStats {
  /** Every lookup answered without loading: from Redis, the in-process tier, or a shared load. */
  hits: number;
  misses: number;
  /** Store failures (Redis away): the read went to the database instead. */
  errors: number;
  /** Of the hits, those answered by the in-process tier (no round trip). */
  localHits: number;
  /** Of the hits, those that waited for a load another request had started (single flight). */
  coalesced: number;
  /** Whole answers served from the in-process tier (`CacheStore.answers`), not counted above. */
  answers: number;
}

/** What a lookup loads: the value, and the tags it was made from (undefined: do not keep it). */
export interface Loaded<T> {
  value: T;
  tags: readonly string[] | undefined;
}

export type LookupResult = 'hit' | 'miss' | 'error';

/** A lookup's value, where it came from, and the tags it is kept under (undefined: not kept). */
export interface Read<T> {
  value: T;
  result: LookupResult;
  tags: readonly string[] | undefined;
}

export interface CacheStore {
  /** `load()`'s value for `key`, from the store when it holds one none of whose tags changed since. */
  read<T>(key: string, load: () => Promise<Loaded<T>>): Promise<Read<T>>;
  /** After a committed write: values made from any of the tags are gone for every later read. */
  invalidate(tags: readonly string[]): Promise<void>;
  readonly stats: CacheStats;
  /** Whole answers made only of cached reads (decision 043). */
  readonly answers: AnswerCache;
  /**
   * False for the store that keeps nothing (the cache off). Its loads may then read a replica:
   * nothing is kept that a lagging one could make stale after an invalidation (decision 039).
   */
  readonly keeps: boolean;
}

/**
 * Whole answers (the bytes of an anonymous GET) made only of cached reads, kept in the in-process
 * tier under the union of those reads' tags, so that any invalidation of one of them drops the
 * answer too, on every instance (decision 043). A hit then costs no procedure, no context and no
 * serialisation. Kept only while the tier is kept honest (the bus heard), and only if none of the
 * reads' tags was invalidated since the request began: the same rule as every value of the tier.
 */
export interface AnswerCache {
  /** The answer kept under `key`, if any. */
  get(key: string): unknown;
  /**
   * For one request, from now on: a view of the store that notes the tags of every read made
   * through it, and keeps the answer made of them. Undefined when no answer can be kept.
   */
  watch(): AnswerWatch | undefined;
}

export interface AnswerWatch {
  /** The store the request's reads go through. */
  readonly store: CacheStore;
  /**
   * Keeps `answer` under `key` if at least one read was made through `store`, every one had tags,
   * and none of them was invalidated since `watch()`.
   */
  keep(key: string, answer: unknown): void;
}

const ANSWER_PREFIX = 'answer:';

/** No answers kept: the store keeps nothing, or has no in-process tier. */
const noAnswers: AnswerCache = { get: () => undefined, watch: () => undefined };

/** The shared tier (Redis): one round trip per lookup. */
export interface RemoteTier {
  /**
   * The value kept for `key` with its tags, if none was stamped since it was loaded; else the
   * clock's reading a load starting now is to be stored under.
   */
  get(key: string): Promise<{ payload: string; tags: string[] } | { clock: number }>;
  set(key: string, payload: string, tags: readonly string[], clock: number): Promise<void>;
  /** Stamps each tag with a new reading of the clock, kept for the time to live plus GENERATION_KEPT_MS. */
  bump(tags: readonly string[]): Promise<void>;
}

/** How instances tell each other of invalidations, so that their in-process tiers drop copies. */
export interface InvalidationBus {
  /** Whether this instance hears every message now: its in-process tier is used only then. */
  readonly listening: boolean;
  /** Tells every instance, this one included; resolves once they have all dropped their copies. */
  publish(tags: readonly string[]): Promise<void>;
  /** `heard` runs for each message; `deaf` when messages may have been missed (reconnecting). */
  subscribe(handlers: { heard: (tags: string[]) => void; deaf: () => void }): void;
}

/**
 * How much longer than its values a tag's stamp is kept. A value's clock is read one load before
 * it is stored, so a value loaded before a stamp lives at most the time to live plus that load;
 * this is far longer than any load takes.
 */
export const GENERATION_KEPT_MS = 5 * 60_000;

const newStats = (): CacheStats => ({
  hits: 0,
  misses: 0,
  errors: 0,
  localHits: 0,
  coalesced: 0,
  answers: 0,
});

/** Caches nothing: in-process callers and tests that write to the database directly. */
export function createNoCache(): CacheStore {
  const stats = newStats();
  return {
    async read(_key, load) {
      return { value: (await load()).value, result: 'miss', tags: undefined };
    },
    invalidate: async () => {},
    stats,
    answers: noAnswers,
    keeps: false,
  };
}

/** In process only (one instance): a bounded map, least recently used evicted first. */
export function createMemoryCache({
  ttlMs,
  maxEntries,
  now,
}: {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}): CacheStore {
  return createTieredCache({ local: createLocalTier({ ttlMs, maxEntries, now }) });
}

interface Landed {
  value: unknown;
  tags: readonly string[] | undefined;
  result: LookupResult;
}

/**
 * The tiers together. Without `remote`, `local` is the whole store. With `remote` and `bus`,
 * `local` is a short tier in front, used only while the bus is heard. With `remote` alone there
 * is no local tier: nothing would tell this instance of the others' writes.
 *
 * Concurrent misses of one key share one load (single flight), as long as no invalidation was
 * heard since that load began: a request arriving after a write must not be given what a load
 * begun before it read. That needs the invalidations heard, so it is done only with a local tier.
 */
export function createTieredCache({
  local,
  remote,
  bus,
}: {
  local?: LocalTier;
  remote?: RemoteTier;
  bus?: InvalidationBus;
}): CacheStore {
  const stats = newStats();
  const tier = remote && !bus ? undefined : local;
  const flights = new Map<string, { mark: Mark; landing: Promise<Landed> }>();
  bus?.subscribe({
    heard: (tags) => tier?.drop(tags),
    deaf: () => {
      tier?.clear();
      flights.clear();
    },
  });
  const usable = () => (tier && (bus === undefined || bus.listening) ? tier : undefined);

  async function fill(key: string, load: () => Promise<Loaded<unknown>>, mark?: Mark) {
    let clock = 0;
    if (remote) {
      let found: Awaited<ReturnType<RemoteTier['get']>>;
      try {
        found = await remote.get(key);
      } catch {
        stats.errors += 1;
        return { value: (await load()).value, tags: undefined, result: 'error' } satisfies Landed;
      }
      if ('payload' in found) {
        stats.hits += 1;
        const value = JSON.parse(found.payload) as unknown;
        if (mark) usable()?.keep(key, deepFreeze(value), found.tags, mark);
        return { value, tags: found.tags, result: 'hit' } satisfies Landed;
      }
      clock = found.clock;
    }
    stats.misses += 1;
    const loaded = await load();
    const tags = loaded.tags && [...new Set(loaded.tags)];
    if (tags === undefined) return { value: loaded.value, tags, result: 'miss' } satisfies Landed;
    // Kept as JSON would give it back, in both tiers: a hit is the same whichever answers.
    const payload = JSON.stringify(loaded.value);
    if (remote) {
      try {
        await remote.set(key, payload, tags, clock);
      } catch {
        stats.errors += 1;
      }
    }
    if (mark) usable()?.keep(key, deepFreeze(JSON.parse(payload)), tags, mark);
    return { value: loaded.value, tags, result: 'miss' } satisfies Landed;
  }

  const store: CacheStore = {
    async read<T>(key: string, load: () => Promise<Loaded<T>>): Promise<Read<T>> {
      const near = usable();
      if (near) {
        const hit = near.get(key);
        if (hit) {
          stats.hits += 1;
          stats.localHits += 1;
          return { value: hit.value as T, result: 'hit' as const, tags: hit.tags };
        }
        const flight = flights.get(key);
        if (flight) {
          const landed = await flight.landing.catch(() => undefined);
          if (landed?.tags && usable() === near && near.fresh(landed.tags, flight.mark)) {
            stats.hits += 1;
            stats.coalesced += 1;
            return { value: landed.value as T, result: 'hit' as const, tags: landed.tags };
          }
        }
      }
      const mark = usable()?.mark();
      const landing = fill(key, load, mark);
      if (mark) {
        flights.set(key, { mark, landing });
        const land = () => {
          if (flights.get(key)?.landing === landing) flights.delete(key);
        };
        landing.then(land, land);
      }
      const { value, tags, result } = await landing;
      return { value: value as T, result, tags };
    },

    async invalidate(tags) {
      if (tags.length === 0) return;
      // The shared stamps first: a copy this instance makes after dropping its own is then
      // loaded from a database that has the write, or found stale in Redis.
      if (remote) {
        try {
          await remote.bump(tags);
        } catch {
          stats.errors += 1;
        }
      }
      tier?.drop(tags);
      if (bus) {
        try {
          await bus.publish(tags);
        } catch {
          stats.errors += 1;
        }
      }
    },

    stats,
    get answers() {
      return answers;
    },
    keeps: true,
  };
  const answers = tier ? answersOf(store, usable) : noAnswers;
  return store;
}

/**
 * Answers kept in the in-process tier `usable()` gives while it is kept honest. A watch passes
 * each read on to `store` and notes its tags; the mark taken at `watch()` makes `keep` refuse an
 * answer any of whose tags was invalidated since, as the tier refuses such values (cache-local.ts).
 */
function answersOf(store: CacheStore, usable: () => LocalTier | undefined): AnswerCache {
  return {
    get(key) {
      const hit = usable()?.get(ANSWER_PREFIX + key);
      if (!hit) return undefined;
      store.stats.answers += 1;
      return hit.value;
    },
    watch() {
      const mark = usable()?.mark();
      if (!mark) return undefined;
      const tags = new Set<string>();
      let reads = 0;
      let complete = true;
      const watched: CacheStore = {
        async read(key, load) {
          // A read that failed may have been answered otherwise (from the database): not kept.
          const read = await store.read(key, load).catch((error: unknown) => {
            complete = false;
            throw error;
          });
          reads += 1;
          if (read.tags === undefined) complete = false;
          else for (const tag of read.tags) tags.add(tag);
          return read;
        },
        invalidate: (changed) => store.invalidate(changed),
        stats: store.stats,
        answers: noAnswers,
        keeps: store.keeps,
      };
      return {
        store: watched,
        keep(key, answer) {
          if (reads > 0 && complete) usable()?.keep(ANSWER_PREFIX + key, answer, [...tags], mark);
        },
      };
    },
  };
}

/** Kept copies are shared by every request that reads them: a change to one would be a bug. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * `load()`'s value for `key`, kept until one of the tags `tagsOf` names for it is invalidated
 * (undefined: not kept). A store that fails is bypassed: the database answers, nothing is lost but
 * speed. Traced as a span per lookup (`cache articles`), its Redis commands and the load under it.
 */
export function cachedByTags<T>(
  store: CacheStore,
  key: string,
  load: () => Promise<T>,
  tagsOf: (value: T) => readonly string[] | undefined,
): Promise<T> {
  const area = areaOf(key);
  const span = { attributes: { 'conduit.cache.namespace': area } };
  return inChildSpan(`cache ${area}`, span, async (traced) => {
    const { value, result } = await store.read(key, async () => {
      const value = await load();
      return { value, tags: tagsOf(value) };
    });
    traced?.setAttribute('conduit.cache.result', result);
    return value;
  });
}

/** `cachedByTags` with one tag, `namespace`, for the whole of a small kind (the tag list, a session). */
export function cached<T>(
  store: CacheStore,
  namespace: string,
  key: string,
  load: () => Promise<T>,
): Promise<T> {
  const tags = [namespace];
  return cachedByTags(store, `${namespace}:${key}`, load, () => tags);
}

/** The key's kind, without its ids (`session:<id>:…` is `session`): span names. */
function areaOf(key: string): string {
  return key.split(':')[0] ?? key;
}

/**
 * After a committed write: what was made from the tags is gone for every later read. A store that
 * fails here leaves old values reachable until their time to live ends; counted, not thrown,
 * since the write itself succeeded.
 */
export function invalidate(store: CacheStore, ...tags: string[]): Promise<void> {
  const areas = [...new Set(tags.map(areaOf))];
  const span = { attributes: { 'conduit.cache.namespace': areas } };
  return inChildSpan('cache invalidate', span, () => store.invalidate(tags));
}
