// What only the in-process store has to prove: its memory stays bounded under a flood of keys.
import { describe, expect, it } from 'vitest';
import { createMemoryLimiter } from './memory';

function fakeClock(start = 0) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

/** A different address per request, as from a botnet or an IPv6 range. */
const randomIp = (i: number) => `ip:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

describe('memory limiter', () => {
  it('forgets the windows of many distinct keys once they have passed', async () => {
    const clock = fakeClock();
    const limiter = createMemoryLimiter({ now: clock.read, sweepIntervalMs: 30_000 });
    for (let i = 0; i < 200_000; i++) await limiter.hit(randomIp(i), 100, 10_000);
    expect(limiter.size).toBe(200_000);

    // Windows over, but no sweep is due yet: the counters wait for it.
    clock.now = 10_000;
    await limiter.hit('ip:192.0.2.1', 100, 10_000);
    expect(limiter.size).toBe(200_001);

    // The first hit once the sweep interval has passed clears every expired window.
    clock.now = 30_000;
    await limiter.hit('ip:192.0.2.2', 100, 10_000);
    expect(limiter.size).toBe(1);
  });

  it('keeps windows that are still running when it sweeps', async () => {
    const clock = fakeClock();
    const limiter = createMemoryLimiter({ now: clock.read, sweepIntervalMs: 1000 });
    await limiter.hit('short', 1, 500);
    await limiter.hit('long', 1, 10_000);
    clock.now += 1000;
    await limiter.hit('new', 1, 10_000);
    expect(limiter.size).toBe(2);
    expect((await limiter.hit('long', 1, 10_000)).allowed).toBe(false);
  });

  it('reuses the counter of a key whose window has passed', async () => {
    const clock = fakeClock();
    const limiter = createMemoryLimiter({ now: clock.read });
    for (let i = 0; i < 10; i++) {
      await limiter.hit('user', 1, 100);
      clock.now += 100;
    }
    expect(limiter.size).toBe(1);
  });

  it('drops everything on close', async () => {
    const limiter = createMemoryLimiter();
    await limiter.hit('user', 1, 1000);
    limiter.close();
    expect(limiter.size).toBe(0);
    expect((await limiter.hit('user', 1, 1000)).allowed).toBe(true);
  });
});
