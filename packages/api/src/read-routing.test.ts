import { describe, expect, it } from 'vitest';
import { createMemoryWritePositions } from './read-routing';

describe('write positions kept in the process', () => {
  it('keeps the later of two positions, so writes finishing out of order lose nothing', async () => {
    const now = 0;
    const positions = createMemoryWritePositions(() => now);
    await positions.put('user:1', 500n, 1000);
    await positions.put('user:1', 300n, 1000);
    expect(await positions.get('user:1')).toBe(500n);
    await positions.put('user:1', 700n, 1000);
    expect(await positions.get('user:1')).toBe(700n);
    expect(await positions.get('user:2')).toBeUndefined();
  });

  it('forgets a position once it expired, and an expired one does not outweigh a new one', async () => {
    let now = 0;
    const positions = createMemoryWritePositions(() => now);
    await positions.put('user:1', 900n, 1000);
    now = 999;
    expect(await positions.get('user:1')).toBe(900n);
    now = 1000;
    expect(await positions.get('user:1')).toBeUndefined();
    await positions.put('user:1', 900n, 1000);
    now = 2500;
    await positions.put('user:1', 100n, 1000);
    expect(await positions.get('user:1')).toBe(100n);
  });
});
