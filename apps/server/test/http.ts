// Speaking to the app as a browser or an API client would, over app.inject().
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export const ORIGIN = 'http://localhost:3000';

/**
 * Requests come from a random private address: with Redis, throttle counters outlive a test run,
 * so a fixed address would be throttled by the runs before.
 */
export function randomIp(): string {
  const octet = () => Math.floor(Math.random() * 254) + 1;
  return `10.${octet()}.${octet()}.${octet()}`;
}
const runIp = randomIp();

/** A tRPC mutation as our own web page sends it: JSON body, same-origin headers, the cookie. */
export function mutate(
  app: FastifyInstance,
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `/trpc/${path}`,
    headers: { 'content-type': 'application/json', host: 'localhost:3000', ...headers },
    payload: JSON.stringify(input ?? {}),
    remoteAddress: runIp,
  });
}

export function query(
  app: FastifyInstance,
  path: string,
  input?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const search = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return app.inject({
    method: 'GET',
    url: `/trpc/${path}${search}`,
    headers: { host: 'localhost:3000', ...headers },
    remoteAddress: runIp,
  });
}

/** The `name=value` pair of the session cookie a response set, for sending it back. */
export function sessionCookieOf(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name.endsWith('conduit_session'));
  if (!cookie)
    throw new Error(`no session cookie in ${JSON.stringify(response.headers['set-cookie'])}`);
  return `${cookie.name}=${cookie.value}`;
}

// Unique per run too: with Redis, throttle counters outlive a test run.
const run = Math.random().toString(36).slice(2, 8);
let n = 0;
export function freshName(): string {
  n += 1;
  return `u${run}${n}`;
}

export async function register(
  app: FastifyInstance,
  headers: Record<string, string> = {},
  remoteAddress?: string,
) {
  const username = freshName();
  const input = { email: `${username}@example.com`, username, password: 'correct horse battery' };
  const response = await app.inject({
    method: 'POST',
    url: '/trpc/auth.register',
    headers: { 'content-type': 'application/json', host: 'localhost:3000', ...headers },
    payload: JSON.stringify(input),
    remoteAddress: remoteAddress ?? randomIp(),
  });
  if (response.statusCode !== 200) throw new Error(`register failed: ${response.body}`);
  const data = response.json().result.data as { token: string; user: { username: string } };
  return { ...input, token: data.token, cookie: sessionCookieOf(response), response };
}
