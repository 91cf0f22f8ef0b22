// Calling procedures as a given client would: anonymous, or with a session token.
import type { Database } from '@conduit/db';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { type CreateContextOptions, createTRPCContext, type SessionCookie } from '../src/context';
import { createCaller, type RateLimiter } from '../src/index';

/** A cookie jar standing in for the browser: remembers what the server set or cleared. */
export function cookieJar(): SessionCookie & { token: string | undefined; cleared: number } {
  const jar = {
    token: undefined as string | undefined,
    cleared: 0,
    set(token: string) {
      jar.token = token;
    },
    clear() {
      jar.token = undefined;
      jar.cleared += 1;
    },
  };
  return jar;
}

export function callerFor(
  db: Database,
  token?: string,
  jar: SessionCookie = cookieJar(),
  limiter?: RateLimiter,
  /** More of the context: a clock (`now`), account settings, a cache... */
  options: Partial<CreateContextOptions> = {},
) {
  return createCaller(() =>
    createTRPCContext({
      ...options,
      db,
      ...(limiter ? { limiter } : {}),
      meta: { ip: '203.0.113.7', userAgent: 'vitest' },
      sessionToken: token === undefined ? undefined : { value: token, from: 'header' },
      sessionCookie: jar,
    }),
  );
}

let n = 0;
/** Registers a fresh account and returns its token and a caller signed in with it. */
export async function signUp(db: Database, fields: { username?: string; password?: string } = {}) {
  n += 1;
  const username = fields.username ?? `writer${n}`;
  const password = fields.password ?? 'correct horse battery';
  const { user, token } = await callerFor(db).auth.register({
    email: `${username.toLowerCase()}@example.com`,
    username,
    password,
  });
  return { user, token, password, caller: callerFor(db, token) };
}

/** The error a call fails with; the test fails if the call succeeds or fails otherwise. */
export async function failure(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCError)) throw error;
  return error;
}

/** The tRPC code a call fails with. */
export const codeOf = async (call: Promise<unknown>) => (await failure(call)).code;

/** The fields a refused call names (a 400), as the error formatter reports them. */
export async function refusedFields(call: Promise<unknown>): Promise<string[]> {
  const error = await failure(call);
  expect(error.code).toBe('BAD_REQUEST');
  const cause = error.cause;
  if (cause && 'issues' in cause && Array.isArray(cause.issues)) {
    return cause.issues.map((issue: { path: PropertyKey[] }) => issue.path.join('.'));
  }
  if (cause && 'fields' in cause && cause.fields && typeof cause.fields === 'object') {
    return Object.keys(cause.fields);
  }
  return [];
}
