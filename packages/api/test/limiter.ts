// Fixed-window counters in memory on a clock the test moves, with the server's arithmetic (a hit
// allows while count <= limit, a peek while count < limit), for testing throttles in-process.
import type { RateLimiter } from '../src/index';

export function testLimiter(now: () => Date): RateLimiter {
  const windows = new Map<string, { count: number; endsAt: number }>();
  const current = (key: string, windowMs: number) => {
    const at = now().getTime();
    let window = windows.get(key);
    if (!window || window.endsAt <= at) {
      window = { count: 0, endsAt: at + windowMs };
      windows.set(key, window);
    }
    return { window, msLeft: window.endsAt - at };
  };
  const result = (count: number, limit: number, msLeft: number, afterHit: boolean) => ({
    allowed: limit <= 0 || (afterHit ? count <= limit : count < limit),
    remaining: limit <= 0 ? Number.POSITIVE_INFINITY : Math.max(0, limit - count),
    retryAfterMs: msLeft,
  });
  return {
    async hit(key, limit, windowMs) {
      const { window, msLeft } = current(key, windowMs);
      window.count += 1;
      return result(window.count, limit, msLeft, true);
    },
    async peek(key, limit, windowMs) {
      const { window, msLeft } = current(key, windowMs);
      return result(window.count, limit, msLeft, false);
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}
