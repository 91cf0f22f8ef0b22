import { describe, expect, it } from 'vitest';
import { RECONNECT_MAX_S, reconnectDelaySeconds } from './reconnect';

describe('the wait before a failed connection is tried again', () => {
  it('starts short and doubles, with jitter between half and all of it', () => {
    expect(reconnectDelaySeconds(0, () => 1)).toBeCloseTo(0.05);
    expect(reconnectDelaySeconds(0, () => 0)).toBeCloseTo(0.025);
    expect(reconnectDelaySeconds(1, () => 1)).toBeCloseTo(0.1);
    expect(reconnectDelaySeconds(3, () => 1)).toBeCloseTo(0.4);
  });

  it('never exceeds a second however many attempts failed (postgres.js waits up to 20 s)', () => {
    for (const failures of [5, 10, 50, 1000, Number.MAX_SAFE_INTEGER]) {
      expect(reconnectDelaySeconds(failures, () => 1)).toBe(RECONNECT_MAX_S);
      expect(reconnectDelaySeconds(failures, () => 0)).toBe(RECONNECT_MAX_S / 2);
    }
  });
});
