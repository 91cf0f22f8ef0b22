import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryDelayMs } from './retry';

const exact = { ...DEFAULT_RETRY, jitter: 0 };

describe('retryDelayMs', () => {
  it('waits 30 s after the first failure, doubling up to an hour', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9, 29].map((n) => retryDelayMs(exact, n) / 1000);
    expect(waits).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    expect(retryDelayMs(exact, 1_000_000)).toBe(3_600_000);
  });

  it('makes the last of the default attempts about a day after the first', () => {
    let elapsed = 0;
    for (let attempt = 1; attempt < DEFAULT_RETRY.maxAttempts; attempt++) {
      elapsed += retryDelayMs(exact, attempt);
    }
    const hours = elapsed / 3_600_000;
    expect(hours).toBeGreaterThan(22);
    expect(hours).toBeLessThan(24);
  });

  it('spreads each wait within ±20 %', () => {
    expect(retryDelayMs(DEFAULT_RETRY, 1, () => 0)).toBe(24_000);
    expect(retryDelayMs(DEFAULT_RETRY, 1, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(DEFAULT_RETRY, 1, () => 0.999_999)).toBe(36_000);
  });
});
