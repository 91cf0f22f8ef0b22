// Abuse limits as the procedures see them. The server supplies the store (in process, or Redis
// when several instances must share counts); procedures only say what to count.

export interface RateLimitResult {
  /** False once the key has used up its limit in the current window. */
  allowed: boolean;
  /** Hits left in the current window (0 when not allowed). */
  remaining: number;
  /** Milliseconds until the current window ends and the count starts again. */
  retryAfterMs: number;
}

/**
 * Fixed-window counters: each key counts hits in windows of `windowMs`; a limit of 0 or less
 * means "no limit" and always allows.
 */
export interface RateLimiter {
  /** Counts one hit against `key` and says whether it is within `limit`. */
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  /** The state of `key` without counting a hit. */
  peek(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  /** Forgets `key`'s count in every window. */
  reset(key: string): Promise<void>;
}
