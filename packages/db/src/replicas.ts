// Read replicas (decision 039): PostgreSQL streaming replicas that take the reads which may lag.
// Each is polled a few times a second for whether it answers, is still a replica, and how far
// behind the primary it is; one that fails, or lags more than the most allowed, is out until it
// answers and catches up. `readDb()` hands out a replica in service, round robin, or the primary
// when none is (or none has replayed the position the caller must see: read-your-writes).
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import type { Database } from './client';
import { serverOf } from './open-errors';
import { prepareAll } from './prepare-all';
import { reconnectDelaySeconds } from './reconnect';
import { failingOverTo, ReplicaLostError } from './replica-failover';
import * as schema from './schema/index';
import { tracePostgres } from './tracing';
import { type Lsn, parseLsn, WalHistory } from './wal';

/**
 * - `starting`: not polled yet; `up`: in service;
 * - `lagging`: answers, but is further behind than allowed; `down`: does not answer, or is no
 *   longer a replica (promoted). Neither of the last two takes reads.
 */
export type ReplicaState = 'starting' | 'up' | 'lagging' | 'down';

export interface ReplicaStatus {
  /** Its place in the list of replica URLs, from 0: its label in metrics. */
  index: number;
  /** host:port, never the credentials. */
  server: string;
  state: ReplicaState;
  /** How far behind the primary it was at the last poll (ms); undefined until it answered. */
  lagMs: number | undefined;
  /** Why it is out of service, in words. */
  reason: string | undefined;
  /** Statements sent to it through `readDb()`, and how many of them were run again on the primary. */
  reads: number;
  failovers: number;
}

export interface ReplicaSettings {
  urls: string[];
  /** A replica further behind than this is out of service until it catches up. */
  maxLagMs: number;
  /** How often each replica is asked how it is (default 250 ms). */
  pollMs?: number | undefined;
  /** Told when a replica changes state (out, back in), to be logged. */
  onChange?: ((status: ReplicaStatus, previous: ReplicaState) => void) | undefined;
}

export interface Replicas {
  /**
   * A replica in service that has replayed `after` (round robin), or the primary when none has.
   * Never for writes, nor for a read whose result goes into a shared cache (decision 039).
   */
  readDb(after?: Lsn): Database;
  /** The primary's log position now: after a commit, at or beyond that commit. */
  primaryPosition(): Promise<Lsn>;
  status(): ReplicaStatus[];
  /** Statements sent to the primary through `readDb()` (no replica in service or caught up). */
  primaryReads(): number;
  readonly maxLagMs: number;
  close(): Promise<void>;
}

/** What the replica set shares with the primary's pool. */
export interface PrimarySide {
  /** The primary's client as Drizzle uses it (counted, traced): reads fall back to it. */
  client: Sql;
  /** The primary's client for the poller's own statements (not counted as the app's). */
  raw: Sql;
  prepare: boolean;
  poolMax: number;
  traced: boolean;
  /** Drizzle's logger of the primary, so a read there is counted as any other statement. */
  logQuery(query: string, params: unknown[]): void;
}

const DEFAULT_POLL_MS = 250;
/** A poll unanswered this long means the replica is down (it may hang rather than refuse). */
const POLL_TIMEOUT_MS = 1000;
/** The primary's position after a write: past this, a write is answered without it. */
const POSITION_TIMEOUT_MS = 1000;
/** Replicas are optional: a new connection to one gives up sooner than to the primary. */
const REPLICA_CONNECT_TIMEOUT_S = 2;

interface Replica extends ReplicaStatus {
  db: Database;
  pool: Sql;
  health: Sql;
  replayed: Lsn | undefined;
  polling: { since: number } | undefined;
  /** Statements waiting on it, told when it goes down: they move to the primary. */
  waiting: Set<(error: Error) => void>;
}

export function openReplicas(primary: PrimarySide, settings: ReplicaSettings): Replicas {
  const pollMs = settings.pollMs ?? DEFAULT_POLL_MS;
  // Positions are kept a little longer than the most lag allowed, so "further behind than
  // allowed" can still be told from "as far behind as the history goes".
  const history = new WalHistory(settings.maxLagMs + 10 * pollMs + 1000);
  let primaryReads = 0;
  const onPrimary = drizzle(primary.client, {
    schema,
    logger: {
      logQuery(query, params) {
        primaryReads++;
        primary.logQuery(query, params);
      },
    },
  }) as unknown as Database;

  const options = {
    connect_timeout: REPLICA_CONNECT_TIMEOUT_S,
    backoff: reconnectDelaySeconds,
    onnotice: () => {},
  };
  const replicas: Replica[] = settings.urls.map((url, index) => {
    const pool = postgres(url, {
      ...options,
      prepare: primary.prepare,
      max: primary.poolMax,
      idle_timeout: 30,
    });
    const replica: Replica = {
      index,
      server: serverOf(url),
      state: 'starting',
      lagMs: undefined,
      reason: 'not polled yet',
      reads: 0,
      failovers: 0,
      pool,
      // Its own connection: a busy pool must not make a healthy replica look down.
      health: postgres(url, { ...options, prepare: false, max: 1 }),
      replayed: undefined,
      polling: undefined,
      waiting: new Set(),
      db: undefined as unknown as Database,
    };
    const statements = primary.prepare ? prepareAll(pool) : pool;
    const client = failingOverTo(
      primary.client,
      primary.traced ? tracePostgres(statements) : statements,
      (error, lost) => {
        replica.failovers++;
        if (lost && !(error instanceof ReplicaLostError))
          setState(replica, 'down', `lost mid-read: ${messageOf(error)}`);
      },
      (onLost) => {
        replica.waiting.add(onLost);
        return () => replica.waiting.delete(onLost);
      },
    );
    replica.db = drizzle(client, {
      schema,
      logger: {
        logQuery() {
          replica.reads++;
        },
      },
    }) as unknown as Database;
    return replica;
  });

  function setState(replica: Replica, state: ReplicaState, reason: string | undefined) {
    const previous = replica.state;
    replica.state = state;
    replica.reason = reason;
    if (state === 'down' && previous !== 'down') {
      const error = new ReplicaLostError(`read replica ${replica.index} is down: ${reason}`);
      for (const onLost of replica.waiting) onLost(error);
      replica.waiting.clear();
    }
    if (previous !== state) settings.onChange?.(statusOf(replica), previous);
  }

  // The primary's position, asked again only once the last ask has come back: a primary that
  // hangs gets one statement waiting from the poller, not one more every tick.
  let asking: Promise<void> | undefined;
  async function pollPrimary() {
    asking ??= (async () => {
      const [row] = await primary.raw`select pg_current_wal_lsn()::text as lsn`;
      history.record(parseLsn(String(row?.lsn)), Date.now());
    })().finally(() => {
      asking = undefined;
    });
    // The primary's own trouble is /readyz's business; lags are measured against what was seen.
    await within(asking, POLL_TIMEOUT_MS).catch(() => {});
  }

  async function poll(replica: Replica) {
    if (replica.polling) {
      // The last poll has not come back: a replica that hangs is as good as down.
      if (Date.now() - replica.polling.since > POLL_TIMEOUT_MS)
        setState(replica, 'down', `no answer within ${POLL_TIMEOUT_MS} ms`);
      return;
    }
    replica.polling = { since: Date.now() };
    try {
      const [row] = await replica.health`
        select pg_is_in_recovery() as recovering, pg_last_wal_replay_lsn()::text as replayed
      `;
      if (!row?.recovering || typeof row.replayed !== 'string') {
        setState(replica, 'down', 'not a replica (not in recovery)');
        return;
      }
      replica.replayed = parseLsn(row.replayed);
      replica.lagMs = history.lagMs(replica.replayed, Date.now());
      if (replica.lagMs > settings.maxLagMs)
        setState(replica, 'lagging', `more than ${settings.maxLagMs} ms behind the primary`);
      else setState(replica, 'up', undefined);
    } catch (error) {
      setState(replica, 'down', messageOf(error));
    } finally {
      replica.polling = undefined;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const tick = async () => {
    await pollPrimary();
    // Not awaited as a whole: one replica that hangs must not stop the others being polled.
    for (const replica of replicas) void poll(replica);
    if (!closed) timer = setTimeout(tick, pollMs).unref();
  };
  void tick();

  let next = 0;
  return {
    maxLagMs: settings.maxLagMs,
    readDb(after) {
      for (let tried = 0; tried < replicas.length; tried++) {
        const replica = replicas[(next + tried) % replicas.length];
        if (replica?.state !== 'up') continue;
        if (after !== undefined && (replica.replayed === undefined || replica.replayed < after))
          continue;
        next = (replica.index + 1) % replicas.length;
        return replica.db;
      }
      return onPrimary;
    },
    async primaryPosition() {
      // The insert position, not the written one: with synchronous_commit off, a commit can be
      // inserted in the log and answered before it is written out (and sent to replicas).
      // Bounded: it runs in every write's answer, over the primary's one direct connection,
      // which can be held up (a connection attempt while the primary restarts): the caller then
      // treats the position as unknown and sends the writer's reads to the primary.
      const [row] = await within(
        primary.raw`select pg_current_wal_insert_lsn()::text as lsn`,
        POSITION_TIMEOUT_MS,
      );
      return parseLsn(String(row?.lsn));
    },
    status: () => replicas.map(statusOf),
    primaryReads: () => primaryReads,
    async close() {
      closed = true;
      clearTimeout(timer);
      await Promise.all(
        replicas.flatMap((replica) => [
          replica.pool.end({ timeout: 5 }),
          replica.health.end({ timeout: 1 }),
        ]),
      );
    },
  };
}

function statusOf({ index, server, state, lagMs, reason, reads, failovers }: Replica) {
  return { index, server, state, lagMs, reason, reads, failovers };
}

/** A driver's message without any connection string in it (they may carry passwords). */
function messageOf(error: unknown): string {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const stripped = text.replace(/(\/\/)[^/\s]*@/g, '$1');
  return typeof code === 'string' && !stripped.includes(code) ? `${stripped} (${code})` : stripped;
}

function within<T>(promise: PromiseLike<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}
