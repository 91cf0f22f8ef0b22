// Calling procedures as a given client would: anonymous, or with a session token.
import type { Database } from '@conduit/db';
import { createCaller, type RateLimiter } from '../src/index';
import { createTRPCContext, type SessionCookie } from '../src/trpc';

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
) {
  return createCaller(() =>
    createTRPCContext({
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
