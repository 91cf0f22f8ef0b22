// How soon postgres.js opens a connection again after one failed. Its own default waits
// (0.5 to 1) × min(3^failures / 100, 20) s, where the failures are counted over the whole pool and
// forgotten only when a connection succeeds. A primary restarting, or PgBouncer refusing logins
// meanwhile, makes dozens of failed attempts within a second: every reconnect is then 10 to 20 s
// away, and each request waiting on one with it, well after the database is back (seen in the
// multi-host test: writes unanswered for 13 s after the restart, through the direct connection
// and through the pooler). Ours doubles from 25-50 ms and stops at 0.5-1 s: one attempt per
// connection per second at most while the database is away, and back within a second of it.

/** The longest wait before a connection is tried again, in seconds (before jitter halves it). */
export const RECONNECT_MAX_S = 1;

/**
 * postgres.js's `backoff` option: seconds before the next attempt after `failures` failed ones,
 * with jitter so that a pool's connections do not all try at the same moment.
 */
export function reconnectDelaySeconds(
  failures: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(0.05 * 2 ** Math.max(0, failures), RECONNECT_MAX_S);
  return ceiling * (0.5 + random() / 2);
}
