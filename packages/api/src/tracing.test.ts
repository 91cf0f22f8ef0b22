// What a traced request shows of the procedures and the cache (the server's test follows one
// article.create over HTTP to an OTLP receiver: apps/server/test/tracing.test.ts).
import { AccountGoneError } from '@conduit/auth';
import type { Database } from '@conduit/db';
import { getTestDb } from '@conduit/db/testing';
import { tracer } from '@conduit/telemetry';
import { recordSpans, type SpanRecorder } from '@conduit/telemetry/testing';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cached, createMemoryCache, invalidate } from './cache';
import { createTRPCContext } from './context';
import { createTRPCRouter, publicProcedure } from './trpc';

const router = createTRPCRouter({
  greet: publicProcedure.input(z.object({ name: z.string() })).query(({ input }) => input.name),
  refuse: publicProcedure.mutation(() => {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'no' });
  }),
  crash: publicProcedure.query(() => {
    throw new Error('a bug');
  }),
  gone: publicProcedure.mutation(() => {
    throw new AccountGoneError(0);
  }),
});

let recorder: SpanRecorder;
let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
  recorder = recordSpans();
});
afterAll(() => recorder.stop());
beforeEach(() => recorder.clear());

/** Runs `work` in a recorded span standing for the HTTP request. */
function inRequest<T>(work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan('request', async (span) => {
    try {
      return await work();
    } finally {
      span.end();
    }
  });
}

const byName = (name: string) => recorder.spans().find((span) => span.name === name);

describe('procedure spans', () => {
  it('gives each call of a batch a span under the request, with its path, kind and outcome', async () => {
    await inRequest(async () => {
      const response = await fetchRequestHandler({
        endpoint: '/trpc',
        req: new Request(
          `http://localhost/trpc/greet,crash?batch=1&input=${encodeURIComponent('{"0":{"name":"x"}}')}`,
        ),
        router,
        createContext: () => createTRPCContext({ db }),
      });
      await response.text();
    });
    const request = byName('request');
    const greet = byName('trpc greet');
    const crash = byName('trpc crash');
    for (const call of [greet, crash]) {
      expect(call?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    }
    expect(greet?.attributes).toEqual({
      'rpc.system.name': 'trpc',
      'rpc.method': 'greet',
      'trpc.procedure.type': 'query',
      'trpc.outcome': 'ok',
    });
    expect(crash?.attributes['trpc.outcome']).toBe('INTERNAL_SERVER_ERROR');
    expect(crash?.status.code).toBe(2);
    expect(crash?.events[0]?.attributes?.['exception.message']).toBe('a bug');
  });

  it('names a refusal as the outcome without marking the span failed', async () => {
    const caller = router.createCaller(await createTRPCContext({ db }));
    await inRequest(() => expect(caller.refuse()).rejects.toThrow('no'));
    const refuse = byName('trpc refuse');
    expect(refuse?.attributes['trpc.outcome']).toBe('FORBIDDEN');
    expect(refuse?.status.code).toBe(0);
  });

  it('sees a failure the database explains as what it is, not as a crash', async () => {
    const caller = router.createCaller(await createTRPCContext({ db }));
    await inRequest(() => expect(caller.gone()).rejects.toThrow('no longer exists'));
    const gone = byName('trpc gone');
    expect(gone?.attributes['trpc.outcome']).toBe('UNAUTHORIZED');
    expect(gone?.status.code).toBe(0);
  });

  it('makes none for a call outside a traced request', async () => {
    const caller = router.createCaller(await createTRPCContext({ db }));
    expect(await caller.greet({ name: 'y' })).toBe('y');
    expect(recorder.spans()).toEqual([]);
  });
});

describe('cache spans', () => {
  it('shows each lookup with its result, and invalidations, named by namespace kind', async () => {
    const cache = createMemoryCache({ ttlMs: 60_000 });
    await inRequest(async () => {
      await cached(cache, 'session:abc123', 'k', async () => 1);
      await cached(cache, 'session:abc123', 'k', async () => 2);
      await invalidate(cache, 'session:abc123', 'session:def456', 'tags');
    });
    const lookups = recorder.spans().filter((span) => span.name === 'cache session');
    expect(lookups.map((span) => span.attributes['conduit.cache.result'])).toEqual(['miss', 'hit']);
    expect(byName('cache invalidate')?.attributes['conduit.cache.namespace']).toEqual([
      'session',
      'tags',
    ]);
    expect(
      JSON.stringify(recorder.spans().map((span) => [span.name, span.attributes])),
    ).not.toMatch(/abc123|def456/);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1 });
  });
});
