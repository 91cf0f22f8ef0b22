// The in-process tier of the hot-read cache (decision 038): parsed values kept in a bounded map,
// each with the tags (entities) it was made from, and an index from each tag to its keys so an
// invalidation drops exactly the entries that show the entity.
//
// A value loaded (from the database, or from Redis) while an invalidation of one of its tags was
// heard must not be kept: it may have been read before the write. Every invalidation heard takes
// the next number of a counter (`seq`) and is remembered per tag; a fill notes the counter before
// it starts, and is kept only if none of its tags was invalidated since. Those notes are needed
// only while a fill could still be running, so they are forgotten after FILL_MAX_MS, and a fill
// that took longer is not kept.

/** A fill (a database read, a Redis round trip) that took longer than this is not kept. */
export const FILL_MAX_MS = 30_000;

interface Entry {
  value: unknown;
  tags: readonly string[];
  expiresAt: number;
}

export interface LocalTier {
  /** The entry's value and the tags it was made from, if it holds one alive. */
  get(key: string): { value: unknown; tags: readonly string[] } | undefined;
  /** Where invalidations stand now: pass to `fresh` and `keep` after a fill. */
  mark(): Mark;
  /** Whether no tag of these was invalidated since `mark`. */
  fresh(tags: readonly string[], mark: Mark): boolean;
  /** Keeps the value if it is still fresh (see above). */
  keep(key: string, value: unknown, tags: readonly string[], mark: Mark): void;
  /** Drops every entry made from one of the tags, and marks them for fills under way. */
  drop(tags: readonly string[]): void;
  /** Drops everything (the invalidation messages stopped coming). */
  clear(): void;
  readonly size: number;
}

export interface Mark {
  seq: number;
  at: number;
}

export function createLocalTier({
  ttlMs,
  maxEntries = 10_000,
  now = Date.now,
}: {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}): LocalTier {
  const entries = new Map<string, Entry>();
  const keysByTag = new Map<string, Set<string>>();
  const dropped = new Map<string, Mark>();
  let seq = 0;
  /** The counter at the last `clear`: fills begun before it are refused whatever their tags. */
  let clearedAt = 0;
  let sweepAt = 1000;

  const unindex = (key: string, entry: Entry) => {
    for (const tag of entry.tags) {
      const keys = keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) keysByTag.delete(tag);
    }
  };
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    unindex(key, entry);
  };
  /** Forgets the invalidations no fill under way can predate, once there are many. */
  const sweep = () => {
    if (dropped.size < sweepAt) return;
    const before = now() - FILL_MAX_MS;
    for (const [tag, mark] of dropped) if (mark.at < before) dropped.delete(tag);
    sweepAt = Math.max(1000, dropped.size * 2);
  };
  const fresh = (tags: readonly string[], mark: Mark) => {
    if (mark.seq === seq) return true;
    if (mark.seq < clearedAt || now() - mark.at > FILL_MAX_MS) return false;
    return tags.every((tag) => (dropped.get(tag)?.seq ?? 0) <= mark.seq);
  };

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        remove(key);
        return undefined;
      }
      // Re-inserted: the Map's order is then least recently used first.
      entries.delete(key);
      entries.set(key, entry);
      return { value: entry.value, tags: entry.tags };
    },
    mark: () => ({ seq, at: now() }),
    fresh,
    keep(key, value, tags, mark) {
      if (!fresh(tags, mark)) return;
      remove(key);
      const entry = { value, tags, expiresAt: now() + ttlMs };
      entries.set(key, entry);
      for (const tag of tags) {
        const keys = keysByTag.get(tag);
        if (keys) keys.add(key);
        else keysByTag.set(tag, new Set([key]));
      }
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        remove(oldest.value);
      }
    },
    drop(tags) {
      seq += 1;
      const mark = { seq, at: now() };
      for (const tag of tags) {
        dropped.set(tag, mark);
        for (const key of keysByTag.get(tag) ?? []) remove(key);
      }
      sweep();
    },
    clear() {
      // Every fill under way is refused too: nothing heard since it started can be trusted.
      seq += 1;
      clearedAt = seq;
      entries.clear();
      keysByTag.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
