// How busy the database connections are, for /metrics. Neither driver reports it (postgres.js
// keeps its pool's state private), so the client handed to Drizzle and pub/sub is wrapped and
// counts what is asked of it: a statement from the moment it is awaited until it answers, a
// transaction from `begin` until it has committed or rolled back (it holds one connection all
// that time; its own statements run on that connection and are not counted again).
//
// The pool hands an idle connection to each new statement or transaction, opens another while
// it is under its maximum, and only then makes work wait (queued, or pipelined behind a running
// statement). So with n of them in flight, min(n, max) connections are in use and the rest wait.
// Not counted: migrations (before serving), LISTEN (a connection of its own outside the pool).
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';

export interface PoolStats {
  /** Most connections the pool opens: DB_POOL_MAX, or 1 for the embedded database. */
  max: number;
  /** Connections running a statement or holding a transaction open. */
  inUse: number;
  /** Statements and transactions waiting for a connection, every one being in use. */
  waiting: number;
  /** Statements Drizzle has sent since the database was opened, inside transactions too. */
  queries: number;
}

export class PoolTracker {
  #inFlight = 0;
  #queries = 0;

  constructor(readonly max: number) {}

  stats(): PoolStats {
    return {
      max: this.max,
      inUse: Math.min(this.#inFlight, this.max),
      waiting: Math.max(0, this.#inFlight - this.max),
      queries: this.#queries,
    };
  }

  /** Drizzle's logger sees every statement it sends, including those inside transactions. */
  countQuery(): void {
    this.#queries++;
  }

  async hold<T>(work: () => PromiseLike<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await work();
    } finally {
      this.#inFlight--;
    }
  }

  /**
   * postgres.js queries are lazy promises that run once someone awaits them, and they are
   * modified after creation (`.values()`), so one is counted from its first `then` (every
   * await), not from its creation; observing it earlier would start it.
   */
  holdWhenAwaited<Q extends PromiseLike<unknown>>(query: Q): Q {
    const then = query.then.bind(query);
    let held = false;
    const counted: Q['then'] = (onFulfilled, onRejected) => {
      if (!held) {
        held = true;
        this.#inFlight++;
        const release = () => {
          this.#inFlight--;
        };
        then(release, release);
      }
      return then(onFulfilled, onRejected);
    };
    // biome-ignore lint/nursery/noFloatingPromises: this returns the query, which the caller awaits.
    Object.defineProperty(query, 'then', { value: counted, configurable: true });
    return query;
  }
}

/** The postgres.js client, counting statements (`unsafe`, as Drizzle sends them), transactions and NOTIFYs. */
export function trackPostgres(client: Sql, tracker: PoolTracker): Sql {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'unsafe') {
        return (...args: Parameters<Sql['unsafe']>) =>
          tracker.holdWhenAwaited(target.unsafe(...args));
      }
      if (key === 'begin') {
        return (...args: Parameters<Sql['begin']>) => tracker.hold(() => target.begin(...args));
      }
      if (key === 'notify') {
        return (...args: Parameters<Sql['notify']>) => tracker.hold(() => target.notify(...args));
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/**
 * PGlite is one session: statements and transactions take turns on it, so it counts as a pool
 * of one. Its methods read private fields, so they are called on PGlite itself, not the proxy.
 */
export function trackPglite(client: PGlite, tracker: PoolTracker): PGlite {
  return new Proxy(client, {
    get(target, key) {
      if (key === 'query' || key === 'exec' || key === 'transaction') {
        const method = target[key] as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => tracker.hold(() => method.apply(target, args));
      }
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' && key !== 'constructor' ? value.bind(target) : value;
    },
  });
}
