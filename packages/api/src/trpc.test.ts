// The error formatter, seen from outside: over a real fetch Request, as any HTTP adapter sees it.

import { type Database, sql } from '@conduit/db';
import { getTestDb } from '@conduit/db/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTRPCContext } from './context';
import { createTRPCRouter, publicProcedure } from './trpc';

const router = createTRPCRouter({
  // Past any schema, straight to PostgreSQL: text it cannot store.
  storeNul: publicProcedure.mutation(async ({ ctx }) => {
    await ctx.db.execute(sql`select ${'a\u0000b'}::text as value`);
  }),
  fail: publicProcedure.query(() => {
    throw new Error('relation "secret_table" does not exist: SELECT * FROM secret_table');
  }),
  echo: publicProcedure
    .input(z.object({ name: z.string().min(1).max(5), tags: z.array(z.string().max(3)).max(2) }))
    .mutation(({ input }) => input),
});

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});

async function call(path: string, init: RequestInit, exposeErrors = false) {
  const response = await fetchRequestHandler({
    endpoint: '/trpc',
    req: new Request(`http://localhost/trpc/${path}`, init),
    router,
    createContext: () => createTRPCContext({ db, exposeErrors }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { error: { message: string; data: Record<string, unknown> } },
  };
}

const post = (input: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(input),
});

describe('error formatter', () => {
  it('hides the message and stack of an unexpected error', async () => {
    const { status, body } = await call('fail', { method: 'GET' });
    expect(status).toBe(500);
    expect(body.error.message).toBe('Internal server error');
    expect(JSON.stringify(body)).not.toMatch(/secret_table|SELECT|at .*\.ts/);
    expect(body.error.data).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 });
    expect(body.error.data).not.toHaveProperty('stack');
  });

  it('shows them in development', async () => {
    const { body } = await call('fail', { method: 'GET' }, true);
    expect(body.error.message).toContain('secret_table');
    expect(body.error.data.stack).toEqual(expect.stringContaining('trpc.test.ts'));
  });

  it('answers 400, not 500, when PostgreSQL refuses a value (a data exception)', async () => {
    const { status, body } = await call('storeNul', post(null));
    expect(status).toBe(400);
    expect(body.error.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    expect(body.error.message).toMatch(/cannot store/);
  });

  it('gives every invalid field its own message', async () => {
    const { status, body } = await call('echo', post({ name: '', tags: ['ok', 'long tag'] }));
    expect(status).toBe(400);
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.data.fieldErrors).toEqual({
      name: [expect.stringMatching(/>=1 character/)],
      'tags.1': [expect.stringMatching(/<=3 character/)],
    });
    expect(body.error.message).toMatch(/^Invalid input: name: .+; tags\.1: .+$/);
    const tooMany = await call('echo', post({ name: 'a', tags: ['a', 'b', 'c'] }));
    expect(tooMany.body.error.data.fieldErrors).toEqual({
      tags: [expect.stringMatching(/<=2 items/)],
    });
  });

  it('names a missing field', async () => {
    const { body } = await call('echo', post({ tags: [] }));
    expect(body.error.data.fieldErrors).toEqual({
      name: [expect.stringMatching(/expected string/)],
    });
  });

  it('answers malformed JSON with a 400, not a 500', async () => {
    const { status, body } = await call('echo', { ...post(null), body: '{"name":' });
    expect(status).toBe(400);
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.message).not.toBe('Internal server error');
  });
});
