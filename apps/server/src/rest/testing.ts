// Speaking to /api as a RealWorld client would, for the REST tests.
import { readFileSync } from 'node:fs';
import { getTestDb } from '@conduit/db/testing';
import Fastify, {
  type FastifyInstance,
  type LightMyRequestResponse,
  type RouteOptions,
} from 'fastify';
import { freshName, randomIp } from '../../test/http';
import { cookiePlugin, sessionCookieSettings } from '../plugins/session';
import { type RestPluginOptions, restPlugin } from './plugin';

export interface ApiRequest {
  token?: string;
  /** `Token` as RealWorld clients send it, or `Bearer`. */
  scheme?: 'Token' | 'Bearer';
  body?: unknown;
  headers?: Record<string, string>;
  /** Throttle counters outlive a run with Redis: requests that sign up or in use a fresh address. */
  ip?: string;
}

export function api(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS',
  url: string,
  { token, scheme = 'Token', body, headers = {}, ip = randomIp() }: ApiRequest = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `${scheme} ${token}` }),
      ...headers,
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    remoteAddress: ip,
  });
}

export interface SignedUp {
  email: string;
  username: string;
  password: string;
  token: string;
}

/** A new account, registered through POST /api/users. */
export async function signUp(app: FastifyInstance): Promise<SignedUp> {
  const username = freshName();
  const account = { email: `${username}@example.com`, username, password: 'correct horse battery' };
  const response = await api(app, 'POST', '/api/users', { body: { user: account } });
  if (response.statusCode !== 201) throw new Error(`sign-up failed: ${response.body}`);
  return { ...account, token: response.json().user.token };
}

/** The `errors.body` messages of a RealWorld error answer. */
export function errorsOf(response: LightMyRequestResponse): string[] {
  const body = response.json() as { errors?: { body?: unknown } };
  if (!Array.isArray(body.errors?.body)) {
    throw new Error(`not a RealWorld error body: ${response.body}`);
  }
  return body.errors.body as string[];
}

/** Only the REST plugin, on the worker's test database, for options buildApp does not take yet. */
export async function restOnlyApp(
  options: Partial<RestPluginOptions> = {},
  onRoute?: (route: RouteOptions) => void,
): Promise<FastifyInstance> {
  const app = Fastify();
  if (onRoute) app.addHook('onRoute', onRoute);
  await app.register(cookiePlugin);
  await app.register(restPlugin, {
    db: (await getTestDb()).db,
    cookie: sessionCookieSettings(false),
    ...options,
  });
  await app.ready();
  return app;
}

export interface SpecOperation {
  method: string;
  /** As the spec writes it: `/profiles/{username}`. */
  path: string;
  /** The status the spec gives for success (200, 201, 204). */
  success: number;
}

/** The operations of the RealWorld spec (realworld-openapi.yml), read line by line. */
export function specOperations(): SpecOperation[] {
  const spec = readFileSync(new URL('./realworld-openapi.yml', import.meta.url), 'utf8');
  const operations: SpecOperation[] = [];
  let inPaths = false;
  let path = '';
  let operation: SpecOperation | undefined;
  for (const line of spec.split('\n')) {
    if (/^\S/.test(line)) inPaths = line === 'paths:';
    if (!inPaths) continue;
    const pathLine = /^ {2}(\/\S*):$/.exec(line);
    if (pathLine?.[1]) path = pathLine[1];
    const methodLine = /^ {4}(get|post|put|delete|patch):$/.exec(line);
    if (methodLine?.[1]) {
      operation = { method: methodLine[1].toUpperCase(), path, success: 0 };
      operations.push(operation);
    }
    const status = /^ {8}["'](2\d\d)["']:$/.exec(line);
    if (status && operation?.success === 0) operation.success = Number(status[1]);
  }
  return operations;
}
