// /metrics over the whole app (app.inject): labels, histogram, gauges, and who may scrape.
import { type CommentEvents, createMemoryCache, createNoCache } from '@conduit/api';
import { createDb, type DbConnection, type PoolStats, sql } from '@conduit/db';
import { getTestDatabaseUrl } from '@conduit/db/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, testConfig } from '../../test/helpers';
import { buildApp } from '../app';
import { metricsPlugin } from './metrics';

const TOKEN = 'a-metrics-token-of-32-characters';

let app: FastifyInstance | undefined;
let database: DbConnection | undefined;
/** Lets transactions held open by a test end, even when it failed half-way. */
let release = () => {};
afterEach(async () => {
  release();
  await app?.close();
  app = undefined;
  await database?.close();
  database = undefined;
});

const idlePool = { poolStats: (): PoolStats => ({ max: 1, inUse: 0, waiting: 0, queries: 0 }) };

/** The value of an unlabelled metric in a scrape. */
function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function scrape(): Promise<string> {
  const res = await app?.inject('/metrics');
  if (res?.statusCode !== 200) throw new Error(`/metrics answered ${res?.statusCode}`);
  return res.body;
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000) {
  for (let waited = 0; waited < ms; waited += 20) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('GET /metrics', () => {
  it('counts requests by route pattern or tRPC procedure, never by raw URL', async () => {
    app = await buildTestApp();
    expect((await app.inject('/trpc/tag.list')).statusCode).toBe(200);
    expect((await app.inject('/api/tags')).statusCode).toBe(200);
    await app.inject('/api/profiles/someone');
    await app.inject('/trpc/tag.list,tag.list?batch=1&input={}');
    await app.inject('/trpc/no.such.procedure');
    await app.inject('/no/such/route/42');
    await app.inject('/healthz');

    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const text = res.body;

    expect(text).toContain(
      'http_requests_total{method="GET",route="trpc:tag.list",status="200"} 1',
    );
    expect(text).toContain('http_requests_total{method="GET",route="/api/tags",status="200"} 1');
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/api\/profiles\/:username",status="404"\} 1/,
    );
    expect(text).toMatch(/http_requests_total\{method="GET",route="trpc:batch",status="\d+"\} 1/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="trpc:unknown",status="404"\} 1/);
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toContain('someone');
    expect(text).not.toContain('no.such');
    expect(text).not.toContain('/no/such');
    expect(text).not.toMatch(/route="\/(healthz|readyz|metrics)"/);

    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="trpc:tag.list"} 1',
    );
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/api/tags"} 1');

    expect(text).toContain('# TYPE live_comment_subscriptions gauge');
    expect(text).toMatch(/^live_comment_subscriptions 0$/m);

    // Default process metrics: CPU, memory, event-loop lag.
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('without a token, answers 404 to anyone not on this machine or coming through a proxy', async () => {
    app = await buildTestApp();
    const remote = await app.inject({ url: '/metrics', remoteAddress: '203.0.113.7' });
    expect(remote.statusCode).toBe(404);
    expect(remote.body).not.toContain('http_requests_total');
    expect(remote.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for GET /metrics' },
    });

    const proxied = await app.inject({
      url: '/metrics',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(proxied.statusCode).toBe(404);

    for (const remoteAddress of ['127.0.0.1', '::1']) {
      const local = await app.inject({ url: '/metrics', remoteAddress });
      expect(local.statusCode).toBe(200);
    }
  });

  it('behind a trusted proxy, judges the forwarded client, not the proxy', async () => {
    app = await buildTestApp({ TRUST_PROXY: 'loopback' });
    const res = await app.inject({
      url: '/metrics',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(res.statusCode).toBe(404);
  });

  it('with METRICS_TOKEN, requires it as a bearer token from anywhere', async () => {
    app = await buildTestApp({ METRICS_TOKEN: TOKEN });
    const remoteAddress = '203.0.113.7';

    const missing = await app.inject({ url: '/metrics', remoteAddress });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);

    const wrong = await app.inject({
      url: '/metrics',
      remoteAddress,
      headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('http_requests_total');

    // Loopback is no way around the token once one is set.
    const local = await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(401);

    const right = await app.inject({
      url: '/metrics',
      remoteAddress,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('live_comment_subscriptions');
  });

  it('counts cache hits and misses at scrape time', async () => {
    const cache = createMemoryCache({ ttlMs: 60_000 });
    app = Fastify();
    await app.register(metricsPlugin, {
      token: undefined,
      commentEvents: { size: 0 } as unknown as CommentEvents,
      cache,
      database: idlePool,
    });
    cache.stats.hits = 7;
    cache.stats.localHits = 4;
    cache.stats.coalesced = 1;
    cache.stats.misses = 2;
    cache.stats.answers = 3;
    const text = (await app.inject('/metrics')).body;
    // Whole answers (decision 043) are hits too.
    expect(text).toMatch(/^cache_lookups_total\{result="hit"\} 10$/m);
    expect(text).toMatch(/^cache_lookups_total\{result="miss"\} 2$/m);
    expect(text).toMatch(/^cache_lookups_total\{result="error"\} 0$/m);
    expect(text).toMatch(/^cache_hits_total\{tier="process"\} 4$/m);
    expect(text).toMatch(/^cache_hits_total\{tier="redis"\} 2$/m);
    expect(text).toMatch(/^cache_hits_total\{tier="shared_load"\} 1$/m);
    expect(text).toMatch(/^cache_hits_total\{tier="answer"\} 3$/m);
  });

  it('reads open subscriptions at scrape time', async () => {
    const events = { size: 0 } as { size: number };
    app = Fastify();
    await app.register(metricsPlugin, {
      token: undefined,
      commentEvents: events as unknown as CommentEvents,
      cache: createNoCache(),
      database: idlePool,
    });
    events.size = 3;
    expect((await app.inject('/metrics')).body).toMatch(/^live_comment_subscriptions 3$/m);
    events.size = 1;
    expect((await app.inject('/metrics')).body).toMatch(/^live_comment_subscriptions 1$/m);
  });

  it('reads the database pool at scrape time', async () => {
    const stats: PoolStats = { max: 4, inUse: 3, waiting: 2, queries: 17 };
    app = Fastify();
    await app.register(metricsPlugin, {
      token: undefined,
      commentEvents: { size: 0 } as unknown as CommentEvents,
      cache: createNoCache(),
      database: { poolStats: () => stats },
    });
    const text = await scrape();
    expect(text).toContain('# TYPE db_pool_connections_in_use gauge');
    expect(text).toContain('# TYPE db_queries_total counter');
    expect(metric(text, 'db_pool_max')).toBe(4);
    expect(metric(text, 'db_pool_connections_in_use')).toBe(3);
    expect(metric(text, 'db_pool_waiting')).toBe(2);
    expect(metric(text, 'db_queries_total')).toBe(17);
  });

  it('shows connections held by slow work, then freed, and DB_POOL_MAX as the maximum', async () => {
    const url = await getTestDatabaseUrl();
    // PGlite is one session: a pool of one, whatever DB_POOL_MAX says.
    const config = testConfig(
      url ? { DATABASE_URL: url, DB_POOL_MAX: '3' } : { DB_POOL_MAX: '3', PGLITE_DIR: 'memory://' },
    );
    const max = url ? 3 : 1;
    database = await createDb(config.database);
    await database.migrate();
    app = await buildApp(config, { database });
    const { db } = database;

    const idle = await scrape();
    expect(metric(idle, 'db_pool_max')).toBe(max);
    expect(metric(idle, 'db_pool_connections_in_use')).toBe(0);
    const queriesBefore = metric(idle, 'db_queries_total') ?? Number.NaN;

    // Transactions held open (slow work that leaves the event loop free, so the scrape can run
    // meanwhile: PGlite runs a statement such as pg_sleep synchronously), and one statement more.
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holders = Array.from({ length: max }, () =>
      db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        await gate;
      }),
    );
    const extra = Promise.resolve(db.execute(sql`select 2`)); // Drizzle runs it once awaited
    await until('the pool full', async () => {
      const text = await scrape();
      return metric(text, 'db_pool_connections_in_use') === max;
    });
    const busy = await scrape();
    expect(metric(busy, 'db_pool_connections_in_use')).toBe(max);
    expect(metric(busy, 'db_pool_waiting')).toBe(1);

    release();
    await Promise.all([...holders, extra]);
    const after = await scrape();
    expect(metric(after, 'db_pool_connections_in_use')).toBe(0);
    expect(metric(after, 'db_pool_waiting')).toBe(0);
    expect(metric(after, 'db_queries_total')).toBe(queriesBefore + max + 1);
  });
});
