import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn, WalHistory } from './wal';

describe('log positions', () => {
  it('reads and writes PostgreSQL’s text form, ordering positions as the log does', () => {
    expect(parseLsn('0/3000148')).toBe(0x3000148n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    // Across the halves: 1/0 comes after 0/FFFFFFFF, which a string comparison gets wrong.
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(() => parseLsn('16-B374D848')).toThrow(/not an LSN/);
  });
});

describe('WalHistory', () => {
  it('measures lag as how long ago the primary was first seen past the replica', () => {
    const history = new WalHistory(10_000);
    history.record(100n, 1000);
    history.record(100n, 1250); // no new WAL: the position keeps its first time
    history.record(200n, 1500);
    history.record(300n, 1750);
    expect(history.lagMs(300n, 2000)).toBe(0); // caught up
    expect(history.lagMs(350n, 2000)).toBe(0); // read after the primary's last poll
    expect(history.lagMs(200n, 2000)).toBe(250); // missing what appeared at 1750
    expect(history.lagMs(100n, 2000)).toBe(500);
    // An idle primary: a replica that has replayed everything does not lag, however long it is.
    expect(history.lagMs(300n, 60_000)).toBe(0);
  });

  it('forgets old positions but still tells a replica behind all of them is far behind', () => {
    const history = new WalHistory(1000);
    for (let at = 0; at <= 5000; at += 250) history.record(BigInt(at + 1), at);
    // Behind everything kept: at least as far behind as the history reaches.
    expect(history.lagMs(0n, 5000)).toBeGreaterThanOrEqual(1000);
    expect(history.lagMs(5001n, 5000)).toBe(0);
    expect(history.latest()).toBe(5001n);
  });
});
