// Rate limit counters held in this process: the default when one instance serves everything.
import type { RateLimiter, RateLimitResult } from '@conduit/api';

export interface MemoryLimiterOptions {
  /** The clock in ms; tests pass a fake one to move through windows without waiting. */
  now?: () => number;
  /** Expired windows are swept out at most this often, on the next hit (default 30 s). */
  sweepIntervalMs?: number;
}

export interface MemoryRateLimiter extends RateLimiter {
  /** Counters held: the keys hit within the last window length plus one sweep interval. */
  readonly size: number;
  /** Drops every counter. Nothing else to release: sweeping needs no timer. */
  close(): void;
}

interface Window {
  count: number;
  /** When the window ends, on this limiter's clock. */
  endsAt: number;
}

/** The answer for `limit <= 0`: no limit, and nothing stored (same as packages/api's default). */
export const UNLIMITED: RateLimitResult = {
  allowed: true,
  remaining: Number.POSITIVE_INFINITY,
  retryAfterMs: 0,
};

/**
 * The arithmetic both stores share, so they answer alike. After a hit, the window allows while
 * `count <= limit`; a peek allows while one more hit would be allowed (`count < limit`), so a
 * caller that peeks before acting and hits after a failure permits exactly `limit` failures.
 */
export function windowResult(
  count: number,
  limit: number,
  msLeft: number,
  afterHit: boolean,
): RateLimitResult {
  const allowed = afterHit ? count <= limit : count < limit;
  return { allowed, remaining: Math.max(0, limit - count), retryAfterMs: Math.max(0, msLeft) };
}

/** A window length that is not a positive number would never end (or end at once): a bug. */
export function assertWindow(windowMs: number): void {
  if (!(Number.isFinite(windowMs) && windowMs > 0)) {
    throw new RangeError(`rate limit window must be a positive number of ms, got ${windowMs}`);
  }
}

/**
 * Fixed windows that start at a key's first hit and last `windowMs`. Memory stays bounded under
 * many distinct keys (a flood from random IPs): expired windows are swept out on a hit once per
 * sweep interval, so the map holds only keys seen recently.
 */
export function createMemoryLimiter(options: MemoryLimiterOptions = {}): MemoryRateLimiter {
  const now = options.now ?? Date.now;
  const sweepIntervalMs = options.sweepIntervalMs ?? 30_000;
  // One counter per (window length, key): a key limited two ways keeps two counts.
  const windows = new Map<string, Window>();
  // The window lengths in use (one per kind of limit, so a handful): reset(key) finds each of
  // the key's counters directly instead of scanning a map that may hold millions.
  const windowLengths = new Set<number>();
  let nextSweepAt = now() + sweepIntervalMs;

  const counterKey = (key: string, windowMs: number) => `${windowMs}:${key}`;

  function sweep(at: number): void {
    for (const [key, window] of windows) {
      if (window.endsAt <= at) windows.delete(key);
    }
    nextSweepAt = at + sweepIntervalMs;
  }

  return {
    async hit(key, limit, windowMs) {
      if (limit <= 0) return UNLIMITED;
      assertWindow(windowMs);
      const at = now();
      if (at >= nextSweepAt) sweep(at);
      windowLengths.add(windowMs);
      const id = counterKey(key, windowMs);
      let window = windows.get(id);
      if (!window || window.endsAt <= at) {
        window = { count: 0, endsAt: at + windowMs };
        windows.set(id, window);
      }
      // Synchronous from read to write: concurrent hits cannot both see the same count.
      window.count += 1;
      return windowResult(window.count, limit, window.endsAt - at, true);
    },

    async peek(key, limit, windowMs) {
      if (limit <= 0) return UNLIMITED;
      assertWindow(windowMs);
      const at = now();
      const window = windows.get(counterKey(key, windowMs));
      if (!window || window.endsAt <= at) return windowResult(0, limit, 0, false);
      return windowResult(window.count, limit, window.endsAt - at, false);
    },

    async reset(key) {
      for (const windowMs of windowLengths) windows.delete(counterKey(key, windowMs));
    },

    get size() {
      return windows.size;
    },

    close() {
      windows.clear();
      windowLengths.clear();
    },
  };
}
