// Prometheus metrics at /metrics: HTTP rate, errors and latency by route or tRPC procedure,
// process figures (CPU, memory, event-loop lag), open live-comment subscriptions, cache hits and
// database connections. Under WORKERS, the figures of every worker added up (see cluster.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import { appRouter, type CacheStore, type CommentEvents } from '@conduit/api';
import type { DbConnection, PoolStats, Replicas } from '@conduit/db';
import type { MailSender } from '@conduit/mail';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { workerMetrics } from '../cluster';
import { errorBody } from './errors';

export interface MetricsOptions {
  /** When set, scrapers must send `Authorization: Bearer <token>`; unset: loopback clients only. */
  token: string | undefined;
  commentEvents: CommentEvents;
  cache: CacheStore;
  database: Pick<DbConnection, 'poolStats'> & { replicas?: Replicas | undefined };
  /** This process's mail sender, if it runs one (see mail.ts). */
  mail?: Pick<MailSender, 'stats'> | undefined;
}

/** Our own probes and scrapes would drown the traffic they are meant to describe. */
const UNCOUNTED = new Set(['/metrics', '/healthz', '/readyz']);

const TRPC_ROUTE = '/trpc/:path';

/** Seconds; from a cached read (~1 ms) to a slow password hash or a stalled database. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Labels are bounded by what the code declares, never by what clients send: a raw URL (with
 * slugs and usernames) or a made-up procedure name would add a time series per value.
 */
const procedureLabels = new Map(
  Object.keys(appRouter._def.procedures).map((path) => [path, `trpc:${path}`]),
);

/** `route` is the request's `routeOptions.url`, read once: each read makes Fastify a new object. */
function routeLabel(request: FastifyRequest, route: string | undefined): string {
  if (route === undefined) return 'unmatched';
  if (route !== TRPC_ROUTE) return route;
  const path = (request.params as { path?: string } | undefined)?.path ?? '';
  if (path.includes(',')) return 'trpc:batch';
  // Made once per procedure, not per request.
  return procedureLabels.get(path) ?? 'trpc:unknown';
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** Headers a reverse proxy adds: a request carrying one came through it, from who knows where. */
const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/**
 * A client on this machine, not through a proxy. request.ip honours TRUST_PROXY, so a client behind
 * a trusted proxy shows its own address; and a request carrying forwarding headers is refused even
 * from loopback, since a local proxy that is not (yet) trusted would otherwise make every outside
 * client look local.
 */
export function isLocalRequest(request: FastifyRequest): boolean {
  return (
    LOOPBACK.test(request.ip) && !FORWARDED.some((name) => request.headers[name] !== undefined)
  );
}

const digest = (value: string) => createHash('sha256').update(value).digest();

const plugin: FastifyPluginAsync<MetricsOptions> = async (
  app,
  { token, commentEvents, cache, database, mail },
) => {
  // One registry per app, not prom-client's global one: tests build many apps in one process,
  // and a metric registered twice in the same registry throws.
  const register = new Registry();
  collectDefaultMetrics({ register });

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route (or tRPC procedure) and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [register],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method and route (or tRPC procedure)',
    labelNames: ['method', 'route'] as const,
    buckets: BUCKETS,
    registers: [register],
  });
  new Gauge({
    name: 'live_comment_subscriptions',
    help: 'Open live-comment subscriptions',
    registers: [register],
    collect() {
      this.set(commentEvents.size);
    },
  });
  // The hit ratio is hit / (hit + miss); errors are reads that fell back to the database. A whole
  // answer served from the cache (decision 043) is a hit, as the reads it was made of would be.
  new Counter({
    name: 'cache_lookups_total',
    help: 'Hot-read cache lookups, by result (hit, miss, error)',
    labelNames: ['result'] as const,
    registers: [register],
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, cache.stats.hits + cache.stats.answers);
      this.inc({ result: 'miss' }, cache.stats.misses);
      this.inc({ result: 'error' }, cache.stats.errors);
    },
  });
  // Where the hits came from (decision 038): this process's own tier (no round trip), Redis, or a
  // load another request had started for the same key (single flight); and whole answers to
  // anonymous reads served from the process's tier (decision 043).
  new Counter({
    name: 'cache_hits_total',
    help: 'Hot-read cache hits, by tier (process, redis, shared_load, answer)',
    labelNames: ['tier'] as const,
    registers: [register],
    collect() {
      this.reset();
      const { hits, localHits, coalesced, answers } = cache.stats;
      this.inc({ tier: 'process' }, localHits);
      this.inc({ tier: 'redis' }, hits - localHits - coalesced);
      this.inc({ tier: 'shared_load' }, coalesced);
      this.inc({ tier: 'answer' }, answers);
    },
  });

  // Read at scrape time; what is counted, and how, is in @conduit/db's pool-stats.ts.
  const poolGauge = (name: string, help: string, read: (stats: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [register],
      collect() {
        this.set(read(database.poolStats()));
      },
    });
  poolGauge(
    'db_pool_max',
    'Most database connections the pool opens (DB_POOL_MAX; 1 for the embedded database)',
    (stats) => stats.max,
  );
  poolGauge(
    'db_pool_connections_in_use',
    'Database connections running a statement or holding a transaction open',
    (stats) => stats.inUse,
  );
  poolGauge(
    'db_pool_waiting',
    'Statements and transactions waiting for a database connection, every one being in use',
    (stats) => stats.waiting,
  );
  // Failed means given up on; retried, an attempt that failed and will be made again (an outage).
  new Counter({
    name: 'mail_messages_total',
    help: 'Mail delivery attempts by outcome (sent, retried, failed)',
    labelNames: ['result'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const result of ['sent', 'retried', 'failed'] as const) {
        this.inc({ result }, mail?.stats[result] ?? 0);
      }
    },
  });
  new Counter({
    name: 'db_queries_total',
    help: 'Statements sent to the database, inside transactions too',
    registers: [register],
    collect() {
      this.reset();
      this.inc(database.poolStats().queries);
    },
  });

  if (database.replicas) replicaMetrics(register, database.replicas);

  // A WORKERS worker answers for the whole server: the primary gathers every worker's figures.
  const wholeServer = workerMetrics(register);

  // A callback hook: an async one makes a promise and waits a turn for it on every request.
  app.addHook('onResponse', (request, reply, done) => {
    const url = request.routeOptions.url;
    if (url === undefined || !UNCOUNTED.has(url)) {
      const route = routeLabel(request, url);
      requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    }
    done();
  });

  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);

  // Metrics reveal traffic, routes and internals, so they are never public by accident:
  // - with METRICS_TOKEN, any client presenting it (compared in constant time; both sides hashed
  //   so neither the content nor the length leaks through timing);
  // - without, only a scraper on this machine (isLocalRequest). 404, as for any unknown route:
  //   nothing to discover.
  app.get('/metrics', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (expected) {
      const presented = request.headers.authorization ?? '';
      if (!timingSafeEqual(digest(presented), expected)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        return reply.status(401).send(errorBody(401, 'A valid metrics token is required'));
      }
    } else if (!isLocalRequest(request)) {
      // The same answer as for a route that does not exist.
      return reply.status(404).send(errorBody(404, `No route for ${request.method} /metrics`));
    }
    reply.type(register.contentType);
    if (!wholeServer) return register.metrics();
    try {
      return await wholeServer();
    } catch (error) {
      request.log.warn({ err: error }, 'metrics of the other workers not gathered');
      // Not this worker's figures alone: summed counters would seem to drop, like a restart.
      return reply
        .status(503)
        .type('application/json; charset=utf-8')
        .send(errorBody(503, 'Metrics of every worker could not be gathered'));
    }
  });
};

/**
 * Read replicas (decision 039), as of their last poll. Under WORKERS every worker polls them
 * itself: a replica is up when every worker sees it so, its lag the largest any worker saw.
 */
function replicaMetrics(register: Registry, replicas: Replicas) {
  const labelNames = ['replica'] as const;
  new Gauge({
    name: 'db_replica_up',
    help: 'Whether a read replica takes reads (1) or is out: down, lagging or not polled yet (0)',
    labelNames,
    aggregator: 'min',
    registers: [register],
    collect() {
      for (const replica of replicas.status())
        this.set({ replica: String(replica.index) }, replica.state === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'db_replica_lag_seconds',
    help: 'How far a read replica was behind the primary at its last poll',
    labelNames,
    aggregator: 'max',
    registers: [register],
    collect() {
      for (const replica of replicas.status())
        if (replica.lagMs !== undefined)
          this.set({ replica: String(replica.index) }, replica.lagMs / 1000);
    },
  });
  // Statements of lag-tolerant reads by where they were sent: `primary` when no replica was in
  // service or the client had just written; a replica's, even when it failed and was retried.
  new Counter({
    name: 'db_reads_total',
    help: 'Statements of lag-tolerant reads, by target (primary, replica-<n>)',
    labelNames: ['target'] as const,
    registers: [register],
    collect() {
      this.reset();
      this.inc({ target: 'primary' }, replicas.primaryReads());
      for (const replica of replicas.status())
        this.inc({ target: `replica-${replica.index}` }, replica.reads);
    },
  });
  new Counter({
    name: 'db_replica_failovers_total',
    help: 'Reads a replica failed to answer (gone mid-read, or cancelled by replay), run again on the primary',
    labelNames,
    registers: [register],
    collect() {
      this.reset();
      for (const replica of replicas.status())
        this.inc({ replica: String(replica.index) }, replica.failovers);
    },
  });
}

/** Registered with fastify-plugin so the onResponse hook sees every route, 404s included. */
export const metricsPlugin = fp(plugin, { name: 'metrics' });
