// The lean transport speaks tRPC's HTTP protocol as the official adapter does: the same requests,
// sent to a router mounted both ways, get the same status, headers and body; and what it leaves
// to the official handler is what it should.
import { initTRPC, TRPCError, tracked } from '@trpc/server';
import { fastifyRequestHandler } from '@trpc/server/adapters/fastify';
import type { TRPCRequestInfo } from '@trpc/server/http';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { leanTransport } from './trpc-lean';

interface Ctx {
  user: string | null;
}
const t = initTRPC.context<Ctx>().create({
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    data: { ...shape.data, stack: undefined, because: error.cause?.message ?? null },
  }),
});
const router = t.router({
  hello: t.procedure.input(z.object({ name: z.string().min(1) }).optional()).query(({ input }) => ({
    greeting: `hello ${input?.name ?? 'you'}`,
  })),
  whoami: t.procedure.query(({ ctx }) => ctx.user),
  secret: t.procedure.query(({ ctx }) => {
    if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
    return 42;
  }),
  crash: t.procedure.query(() => {
    throw new Error('the database exploded');
  }),
  slow: t.procedure.query(async () => {
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'Slow down' });
  }),
  add: t.procedure
    .input(z.object({ a: z.number(), b: z.number() }))
    .mutation(({ input }) => input.a + input.b),
  ticks: t.procedure.subscription(async function* () {
    yield tracked('1', { tick: 1 });
  }),
});

const errorsSeen: Record<'lean' | 'official', string[]> = { lean: [], official: [] };
const options = (kind: 'lean' | 'official') => ({
  router,
  allowBatching: true,
  maxBatchSize: 3,
  createContext: async ({ req }: { req: { headers: Record<string, unknown> } }) => ({
    user: typeof req.headers['x-user'] === 'string' ? req.headers['x-user'] : null,
  }),
  responseMeta: ({ ctx, errors }: { ctx?: Ctx; errors: TRPCError[] }) => {
    const headers: Record<string, string> = {};
    if (ctx?.user) headers['cache-control'] = 'no-store';
    if (errors.some((error) => error.code === 'TOO_MANY_REQUESTS')) headers['retry-after'] = '7';
    return { headers };
  },
  onError: ({ error, path }: { error: TRPCError; path?: string }) => {
    errorsSeen[kind].push(`${path}:${error.code}`);
  },
});

let official: FastifyInstance;
let lean: FastifyInstance;
let leanAnswered = 0;

async function mount(kind: 'lean' | 'official') {
  const app = Fastify({ logger: false });
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  const opts = options(kind);
  const tryLean = kind === 'lean' ? leanTransport(opts) : undefined;
  app.all<{ Params: { path: string } }>('/trpc/:path', async (req, reply) => {
    if (tryLean && (await tryLean(req, reply, req.params.path))) {
      leanAnswered += 1;
      return reply;
    }
    await fastifyRequestHandler({ ...opts, req, res: reply, path: req.params.path });
    return reply;
  });
  await app.ready();
  return app;
}

beforeAll(async () => {
  official = await mount('official');
  lean = await mount('lean');
});
afterAll(async () => {
  await official.close();
  await lean.close();
});

/**
 * The parts of an answer a client can see, minus what differs by design: the date, and how the
 * length is told (the official adapter streams its Response, chunked; ours knows the length).
 */
async function answer(app: FastifyInstance, request: InjectOptions) {
  const res = await app.inject(request);
  const {
    date: _date,
    'content-length': _length,
    'transfer-encoding': _chunked,
    connection: _connection,
    ...headers
  } = res.headers;
  return { status: res.statusCode, headers, body: res.body };
}

const json = { 'content-type': 'application/json' };
const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));

/** Requests the lean transport answers itself. */
const leanRequests: Record<string, InjectOptions> = {
  'a query without input': { url: '/trpc/hello' },
  'a query with input': { url: `/trpc/hello?input=${input({ name: 'Ada' })}` },
  'a query with invalid input (400, zod issues)': {
    url: `/trpc/hello?input=${input({ name: '' })}`,
  },
  'a query that needs a user, without one (401)': { url: '/trpc/secret' },
  'a query that needs a user, with one (no-store from responseMeta)': {
    url: '/trpc/secret',
    headers: { 'x-user': 'ada' },
  },
  'a query that crashes (500, nothing leaked)': { url: '/trpc/crash' },
  'a refusal with retry-after from responseMeta (429)': { url: '/trpc/slow' },
  'a mutation': { method: 'POST', url: '/trpc/add', headers: json, payload: '{"a":2,"b":3}' },
  'a mutation with a charset': {
    method: 'POST',
    url: '/trpc/add',
    headers: { 'content-type': 'Application/JSON; charset=utf-8' },
    payload: '{"a":2,"b":3}',
  },
  'a mutation with invalid input': {
    method: 'POST',
    url: '/trpc/add',
    headers: json,
    payload: '{"a":"2"}',
  },
  'a batch of queries, all fine (200)': {
    url: `/trpc/hello,whoami?batch=1&input=${input({ 0: { name: 'Ada' } })}`,
    headers: { 'x-user': 'ada' },
  },
  'a batch of queries, mixed (207)': { url: `/trpc/hello,secret,crash?batch=1&input=${input({})}` },
  'a batch without input': { url: '/trpc/hello,whoami?batch=1' },
  'a path Fastify decodes': { url: '/trpc/hel%6Co' },
  'a batch of one': { url: `/trpc/hello?batch=1&input=${input({ 0: { name: 'Bo' } })}` },
  'a batch of mutations': {
    method: 'POST',
    url: '/trpc/add,add?batch=1',
    headers: json,
    payload: JSON.stringify({ 0: { a: 1, b: 1 }, 1: { a: 'x' } }),
  },
};

/** Requests left to the official handler, each for a reason the transport names. */
const officialRequests: Record<string, InjectOptions> = {
  'no such procedure (404)': { url: '/trpc/nope' },
  'a mutation by GET (405)': { url: '/trpc/add' },
  'a query by POST (405)': { method: 'POST', url: '/trpc/hello', headers: json, payload: '{}' },
  'malformed JSON input': { url: '/trpc/hello?input=%7Bnot-json' },
  'malformed JSON body': { method: 'POST', url: '/trpc/add', headers: json, payload: '{"a":' },
  'a batch over the limit': { url: '/trpc/hello,hello,hello,hello?batch=1' },
  'a batch whose input is not an object': { url: `/trpc/hello,hello?batch=1&input=${input(5)}` },
  'a batch mixing queries and mutations': { url: '/trpc/hello,add?batch=1' },
  'a POST without a content type': { method: 'POST', url: '/trpc/add', payload: '{}' },
  'a POST of another content type': {
    method: 'POST',
    url: '/trpc/add',
    headers: { 'content-type': 'text/plain' },
    payload: '{}',
  },
  'a streaming batch (trpc-accept: application/jsonl)': {
    url: '/trpc/hello?batch=1',
    headers: { 'trpc-accept': 'application/jsonl' },
  },
  HEAD: { method: 'HEAD', url: '/trpc/hello' },
  // Fastify decodes the path once (hello%25) and tRPC once more: left to tRPC to do so.
  'a path that still holds an escape once decoded': { url: '/trpc/hello%2525' },
};

describe('the lean tRPC transport', () => {
  for (const [name, request] of Object.entries(leanRequests)) {
    it(`answers ${name} itself, as the official adapter does`, async () => {
      const before = leanAnswered;
      const expected = await answer(official, request);
      const actual = await answer(lean, request);
      expect(leanAnswered).toBe(before + 1);
      expect(actual).toEqual(expected);
    });
  }

  for (const [name, request] of Object.entries(officialRequests)) {
    it(`leaves ${name} to the official handler`, async () => {
      const before = leanAnswered;
      const expected = await answer(official, request);
      const actual = await answer(lean, request);
      expect(leanAnswered).toBe(before);
      expect(actual).toEqual(expected);
    });
  }

  it('leaves subscriptions to the official handler, which streams them', async () => {
    const before = leanAnswered;
    const res = await lean.inject({ url: '/trpc/ticks' });
    expect(leanAnswered).toBe(before);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.body).toContain('"tick":1');
  });

  it('reports each failed call to onError, as the official adapter does', async () => {
    errorsSeen.lean.length = 0;
    errorsSeen.official.length = 0;
    const request = { url: `/trpc/hello,secret,crash?batch=1&input=${input({ 0: { name: '' } })}` };
    await official.inject(request);
    await lean.inject(request);
    // In the order the calls fail, which neither promises: compared as sets.
    expect(errorsSeen.lean.sort()).toEqual([
      'crash:INTERNAL_SERVER_ERROR',
      'hello:BAD_REQUEST',
      'secret:UNAUTHORIZED',
    ]);
    expect(errorsSeen.lean).toEqual(errorsSeen.official.sort());
  });
});

describe('the request info createContext is given', () => {
  it('tells what the official adapter tells: the kind, the batch, each call and its input', async () => {
    const seen: Partial<Record<'lean' | 'official', unknown>> = {};
    const apps = await Promise.all(
      (['lean', 'official'] as const).map(async (kind) => {
        const opts = {
          ...options(kind),
          createContext: async ({ info }: { info: TRPCRequestInfo }) => {
            seen[kind] = {
              type: info.type,
              isBatchCall: info.isBatchCall,
              calls: await Promise.all(
                info.calls.map(async (call) => ({
                  path: call.path,
                  batchIndex: call.batchIndex,
                  input: await call.getRawInput(),
                })),
              ),
              signal: info.signal instanceof AbortSignal && !info.signal.aborted,
            };
            return { user: null };
          },
        };
        const tryLean = kind === 'lean' ? leanTransport(opts) : undefined;
        const app = Fastify({ logger: false });
        app.get<{ Params: { path: string } }>('/trpc/:path', async (req, reply) => {
          if (!(tryLean && (await tryLean(req, reply, req.params.path)))) {
            await fastifyRequestHandler({ ...opts, req, res: reply, path: req.params.path });
          }
          return reply;
        });
        return app;
      }),
    );
    const input = encodeURIComponent(JSON.stringify({ 0: { name: 'ada' } }));
    for (const app of apps) {
      const res = await app.inject({ url: `/trpc/hello,whoami?batch=1&input=${input}` });
      expect(res.statusCode).toBe(200);
      await app.close();
    }
    expect(seen.lean).toEqual({
      type: 'query',
      isBatchCall: true,
      calls: [
        { path: 'hello', batchIndex: 0, input: { name: 'ada' } },
        { path: 'whoami', batchIndex: 1, input: undefined },
      ],
      signal: true,
    });
    expect(seen.lean).toEqual(seen.official);
  });
});
