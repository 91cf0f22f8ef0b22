// A replica's client that retries a read on the primary when the replica could not answer it: the
// replica went away mid-request (stopped, restarted, the network gone), or the standby cancelled
// the statement because replaying the primary's changes needed what it read (SQLSTATE 40001,
// "conflict with recovery"), or the replica has not yet replayed a migration the primary has (a
// table, column or function the statement names is missing there). Only reads are ever sent to a
// replica (it refuses writes anyway), so running the same statement again on the primary is safe,
// and stopping a replica fails no request.
import type { Sql } from 'postgres';
import { isDatabaseUnavailable } from './errors';

/** What the replica set hears of a retried statement: the replica is to be taken out when `lost`. */
export type OnFailover = (error: unknown, lost: boolean) => void;

/**
 * Calls `onLost` if the replica is found down while a statement waits on it; returns how to stop
 * watching. A replica that stops answering without closing its connections (a host gone, a
 * network cut) would otherwise hold the statement until TCP gives up, minutes later.
 */
export type WatchLost = (onLost: (error: Error) => void) => () => void;

export class ReplicaLostError extends Error {
  override name = 'ReplicaLostError';
}

/**
 * What the replica refused that the primary answers (SQLSTATEs):
 * - 40001: a standby cancelled the statement to keep replaying (hot_standby_feedback off, long
 *   reads);
 * - 42P01, 42703, 42883, 42704: the statement names a table, column, function or type the replica
 *   does not have yet. Right after a deploy the primary is migrated and the new code asks for
 *   what a lagging replica has not replayed; the primary has it (migrated before serving).
 */
const PRIMARY_ANSWERS = new Set(['40001', '42P01', '42703', '42883', '42704']);
function primaryAnswers(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && PRIMARY_ANSWERS.has(code);
}

type Unsafe = Sql['unsafe'];
type Query = ReturnType<Unsafe>;

/**
 * `replica`'s postgres.js client, whose `unsafe` (every statement Drizzle sends) runs again on
 * `primary` when the replica failed to answer. Drizzle awaits either the query or its `.values()`
 * (rows as arrays), and only that; both are kept.
 */
export function failingOverTo(
  primary: Sql,
  replica: Sql,
  onFailover: OnFailover,
  watchLost: WatchLost,
): Sql {
  const retried = (...args: Parameters<Unsafe>) => {
    const run = (asArrays: boolean) =>
      // A postgres.js query runs when awaited: each attempt is a new one.
      (async () => {
        const attempt = (client: Sql) => {
          const query = client.unsafe(...args);
          return asArrays ? query.values() : query;
        };
        try {
          return await new Promise<unknown>((resolve, reject) => {
            const unwatch = watchLost(reject);
            void attempt(replica).then(resolve, reject).finally(unwatch);
          });
        } catch (error) {
          const lost = error instanceof ReplicaLostError || isDatabaseUnavailable(error);
          if (!lost && !primaryAnswers(error)) throw error;
          onFailover(error, lost);
          return await attempt(primary);
        }
      })();
    let rows: Promise<unknown> | undefined;
    let arrays: Promise<unknown> | undefined;
    const failover = {
      // biome-ignore lint/suspicious/noThenProperty: this stands in for a postgres.js query, which is awaited.
      then(onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) {
        rows ??= run(false);
        return rows.then(onFulfilled, onRejected);
      },
      values() {
        return {
          // biome-ignore lint/suspicious/noThenProperty: as above, for the rows as arrays.
          then(onFulfilled?: (value: unknown) => unknown, onRejected?: (r: unknown) => unknown) {
            arrays ??= run(true);
            return arrays.then(onFulfilled, onRejected);
          },
        };
      },
    };
    return failover as unknown as Query;
  };
  return new Proxy(replica, {
    get(target, key, receiver) {
      return key === 'unsafe' ? retried : Reflect.get(target, key, receiver);
    },
  });
}
