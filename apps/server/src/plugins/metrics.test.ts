// /metrics over the whole app (app.inject): labels, histogram, gauges, and who may scrape.
import { type CommentEvents, createMemoryCache, createNoCache } from '@conduit/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { metricsPlugin } from './metrics';

const TOKEN = 'a-metrics-token-of-32-characters';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

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
    });
    cache.stats.hits = 7;
    cache.stats.misses = 2;
    const text = (await app.inject('/metrics')).body;
    expect(text).toMatch(/^cache_lookups_total\{result="hit"\} 7$/m);
    expect(text).toMatch(/^cache_lookups_total\{result="miss"\} 2$/m);
    expect(text).toMatch(/^cache_lookups_total\{result="error"\} 0$/m);
  });

  it('reads open subscriptions at scrape time', async () => {
    const events = { size: 0 } as { size: number };
    app = Fastify();
    await app.register(metricsPlugin, {
      token: undefined,
      commentEvents: events as unknown as CommentEvents,
      cache: createNoCache(),
    });
    events.size = 3;
    expect((await app.inject('/metrics')).body).toMatch(/^live_comment_subscriptions 3$/m);
    events.size = 1;
    expect((await app.inject('/metrics')).body).toMatch(/^live_comment_subscriptions 1$/m);
  });
});
