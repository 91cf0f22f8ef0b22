// One Drizzle handle over PostgreSQL (postgres.js) or embedded PGlite; callers cannot tell which.
import { PGlite } from '@electric-sql/pglite';
import { is, sql } from 'drizzle-orm';
import { type PgDatabase, type PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { prepareDataDir } from './data-dir';
import { migratePglite, migratePostgres } from './migrate';
import { CONNECT_TIMEOUT_S, pgliteOpenError, postgresOpenError } from './open-errors';
import { type PoolStats, PoolTracker, trackPglite, trackPostgres } from './pool-stats';
import { prepareAll } from './prepare-all';
import { type PubSub, pglitePubSub, postgresPubSub, registerPubSub } from './pubsub';
import { reconnectDelaySeconds } from './reconnect';
import { openReplicas, type ReplicaSettings, type Replicas } from './replicas';
import * as schema from './schema/index';
import { tracePglite, tracePostgres } from './tracing';

export { DatabaseOpenError, type DatabaseSetting, systemMessage } from './open-errors';
export type { PoolStats } from './pool-stats';
export {
  MAX_NOTIFY_PAYLOAD_BYTES,
  type PubSub,
  pubSubOf,
  type Unlisten,
  unlistenWithin,
} from './pubsub';
export type { ReplicaSettings, ReplicaState, ReplicaStatus, Replicas } from './replicas';
export { formatLsn, type Lsn, parseLsn } from './wal';

export type Schema = typeof schema;
/** The driver-neutral Drizzle handle the rest of the code is written against. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

/**
 * Whether `db` is a transaction's handle rather than the database: for work that must happen after
 * its own writes have committed, which a transaction it is given would postpone.
 */
export function isTransaction(db: Database): boolean {
  return is(db, PgTransaction);
}

export interface DbConfig {
  /** PostgreSQL connection string; when absent the embedded database is used. */
  url?: string | undefined;
  /** Folder of the embedded database, or `memory://` for one that lives only in this process. */
  pgliteDir?: string | undefined;
  /**
   * An image of an embedded database (PGlite's `dumpDataDir()`) to start an in-memory one from,
   * instead of PGlite's own initdb: about a second to load where initdb takes four. Tests use it.
   */
  pgliteImage?: Blob | undefined;
  /** Most connections in the PostgreSQL pool. */
  poolMax?: number | undefined;
  /**
   * A direct connection to the same database, for what needs a session of its own: LISTEN, and
   * migrations under their advisory lock. Set when `url` goes through a pooler in transaction
   * mode (PgBouncer), where consecutive statements may run on different server connections.
   */
  directUrl?: string | undefined;
  /**
   * Named prepared statements on the server (default true). Off behind a pooler in transaction
   * mode that does not track them (PgBouncer before 1.21, or without max_prepared_statements): a
   * statement prepared on one server connection would be looked for on another.
   */
  prepare?: boolean | undefined;
  /** Called with every statement Drizzle sends and its parameters (tests count queries with it). */
  onQuery?: ((sql: string, params: unknown[]) => void) | undefined;
  /**
   * A span per statement inside traced requests (tracing.ts). Set by a server that traces; off,
   * the clients are not wrapped at all.
   */
  traceStatements?: boolean | undefined;
  /**
   * Streaming replicas of the PostgreSQL database `url` names, for reads that may lag (decision
   * 039). The embedded database has none: giving replicas with it is an error.
   */
  replicas?: ReplicaSettings | undefined;
}

export type DbDriver = 'postgres' | 'pglite';

/** `listen` / `notify`: PostgreSQL LISTEN/NOTIFY, on either driver (see pubsub.ts). */
export interface DbConnection extends PubSub {
  db: Database;
  driver: DbDriver;
  /**
   * Applies pending migrations (idempotent, safe to call from several processes at once). On
   * PostgreSQL this is where the first connection is made: one that cannot be made fails with a
   * DatabaseOpenError saying why.
   */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** How busy the connections are right now (see pool-stats.ts for what is counted). */
  poolStats(): PoolStats;
  /** The read replicas, when configured (PostgreSQL only); see replicas.ts. */
  replicas: Replicas | undefined;
  close(): Promise<void>;
}

export const IN_MEMORY = 'memory://';

/**
 * Opens the embedded database at once, or a PostgreSQL pool that connects on first use. A folder
 * or server that cannot be used fails with a DatabaseOpenError naming the setting and the cause.
 */
export async function createDb(config: DbConfig): Promise<DbConnection> {
  // The embedded database is a single session: a pool of one.
  const tracker = new PoolTracker(config.url ? (config.poolMax ?? 10) : 1);
  const logger: QueryLogger = {
    logQuery(query, params) {
      tracker.countQuery();
      config.onQuery?.(query, params);
    },
  };
  const traced = config.traceStatements ?? false;
  if (!config.url && config.replicas?.urls.length) {
    throw new Error('Read replicas need PostgreSQL: the embedded database has none');
  }
  return config.url
    ? connectPostgres(config.url, tracker, logger, traced, config)
    : openPglite(config.pgliteDir ?? IN_MEMORY, tracker, logger, traced, config.pgliteImage);
}

type QueryLogger = { logQuery(query: string, params: unknown[]): void };

async function connectPostgres(
  url: string,
  tracker: PoolTracker,
  logger: QueryLogger,
  traced: boolean,
  { directUrl, prepare = true, replicas: replicaSettings }: DbConfig,
): Promise<DbConnection> {
  const options = {
    connect_timeout: CONNECT_TIMEOUT_S,
    backoff: reconnectDelaySeconds,
    prepare,
    // Migrations and `drop ... if exists` print NOTICEs; they are not our logs' business.
    onnotice: () => {},
  };
  const client = postgres(url, { ...options, max: tracker.max, idle_timeout: 30 });
  // Behind a transaction-mode pooler, session work goes to the database directly: postgres.js's
  // listen connection, and the migrations with their lock. One connection, opened when needed.
  const direct = directUrl ? postgres(directUrl, { ...options, max: 1 }) : undefined;
  const statements = prepare ? prepareAll(client) : client;
  const tracked = trackPostgres(traced ? tracePostgres(statements) : statements, tracker);
  const db = drizzlePostgres(tracked, { schema, logger }) as unknown as Database;
  const pubsub = postgresPubSub(tracked, direct);
  registerPubSub(db, pubsub);
  const replicas = replicaSettings?.urls.length
    ? openReplicas(
        {
          client: tracked,
          // The primary's log position is the server's own: asked of it directly when a pooler
          // is in front. Through PgBouncer (transaction mode, fewer server connections than
          // writers) these asks, one per write, stalled every writer of a freshly started
          // process; the root cause in the pooler path is not understood (replicas.test.ts). It
          // is not the reconnect back-off (reconnect.ts: the stall stays with it); with
          // postgres.js's `max_pipeline: 1` it stayed too, and a BEGIN failed (porsager/postgres
          // #1218), so pipelining through the pooler is the suspect left (#970).
          raw: direct ?? client,
          prepare,
          poolMax: tracker.max,
          traced,
          logQuery: logger.logQuery,
        },
        replicaSettings,
      )
    : undefined;
  return {
    db,
    driver: 'postgres',
    replicas,
    ...pubsub,
    migrate: async () => {
      // Connect first, so a server that cannot be used is told apart from a migration that fails.
      await client`select 1`.catch((error: unknown) => {
        throw postgresOpenError(url, error);
      });
      if (direct && directUrl) {
        await direct`select 1`.catch((error: unknown) => {
          throw postgresOpenError(directUrl, error, 'directUrl');
        });
        await migratePostgres(direct, directUrl);
      } else {
        await migratePostgres(client, url);
      }
    },
    ping: () => pingDb(db),
    poolStats: () => tracker.stats(),
    close: async () => {
      await replicas?.close();
      await Promise.all([client.end({ timeout: 5 }), direct?.end({ timeout: 5 })]);
    },
  };
}

async function openPglite(
  dir: string,
  tracker: PoolTracker,
  logger: QueryLogger,
  traced: boolean,
  image: Blob | undefined,
): Promise<DbConnection> {
  if (image && dir !== IN_MEMORY) throw new Error('An image starts in-memory databases only');
  if (dir !== IN_MEMORY) await prepareDataDir(dir);
  const opened = image
    ? PGlite.create({ loadDataDir: image })
    : PGlite.create(dir === IN_MEMORY ? undefined : dir);
  const client = await opened.catch((error: unknown) => {
    throw pgliteOpenError(dir, 'open the embedded database in', error);
  });
  const tracked = trackPglite(traced ? tracePglite(client) : client, tracker);
  const db = drizzlePglite(tracked, { schema, logger }) as unknown as Database;
  const pubsub = pglitePubSub(tracked);
  registerPubSub(db, pubsub);
  return {
    db,
    driver: 'pglite',
    replicas: undefined,
    ...pubsub,
    migrate: () => migratePglite(client),
    ping: () => pingDb(db),
    poolStats: () => tracker.stats(),
    close: () => client.close(),
  };
}

async function pingDb(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
