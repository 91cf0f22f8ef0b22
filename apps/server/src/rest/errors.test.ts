// Every failure under /api answers RealWorld's `{"errors":{"body":[...]}}`, with the spec's statuses.
import { InvalidFieldsError, RateLimitedError } from '@conduit/api';
import { createDb } from '@conduit/db';
import { TRPCError } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testConfig } from '../../test/helpers';
import { randomIp } from '../../test/http';
import { buildApp } from '../app';
import { failureOf } from './errors';
import { api, errorsOf, signUp } from './testing';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp({ BODY_LIMIT_BYTES: '2048' });
});
afterAll(() => app.close());

describe('requests the API cannot take', () => {
  it('answers unknown /api routes with a RealWorld 404, and leaves other paths alone', async () => {
    for (const url of ['/api/nothing/here?x=1', '/api', '/api/']) {
      const res = await api(app, 'GET', url);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        errors: { body: [expect.stringMatching(/^No route for GET /)] },
      });
    }
    const outside = await api(app, 'GET', '/nothing');
    expect(outside.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('answers malformed JSON with 422', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/users/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"user": {',
      remoteAddress: randomIp(),
    });
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual([expect.stringMatching(/not valid JSON/)]);
  });

  it('answers a missing body with 422', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/users/login',
      headers: { 'content-type': 'application/json' },
      remoteAddress: randomIp(),
    });
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual(['body is required']);
  });

  it('answers a body that is not JSON with 415, and one too large with 413', async () => {
    const text = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { 'content-type': 'application/xml' },
      payload: '<user/>',
      remoteAddress: randomIp(),
    });
    expect(text.statusCode).toBe(415);
    expect(errorsOf(text)).toHaveLength(1);

    const large = await api(app, 'POST', '/api/users', {
      body: { user: { bio: 'x'.repeat(4096) } },
    });
    expect(large.statusCode).toBe(413);
    expect(errorsOf(large)).toHaveLength(1);
  });

  it('answers a cookie-authenticated change from a foreign page with a RealWorld 403', async () => {
    const account = await signUp(app);
    const res = await api(app, 'POST', `/api/profiles/${account.username}/follow`, {
      headers: { cookie: `conduit_session=${account.token}`, origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(403);
    expect(errorsOf(res)).toEqual(['Cross-origin request refused']);
  });

  it('answers the app-wide rate limit with a RealWorld 429 and Retry-After', async () => {
    const limited = await buildTestApp({ RATE_LIMIT_MAX: '1' });
    try {
      const ip = randomIp();
      expect((await api(limited, 'GET', '/api/tags', { ip })).statusCode).toBe(200);
      const res = await api(limited, 'GET', '/api/tags', { ip });
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(errorsOf(res)).toEqual([expect.stringMatching(/^Too many requests/)]);
    } finally {
      await limited.close();
    }
  });
});

describe('unexpected failures', () => {
  it('answers 503, saying only that the database is unavailable, when it cannot be reached', async () => {
    // Nothing listens on port 1: a real, unreachable PostgreSQL server.
    const database = await createDb({ url: 'postgres://conduit@127.0.0.1:1/none', poolMax: 1 });
    const broken = await buildApp(testConfig(), { database });
    try {
      for (const request of [
        api(broken, 'GET', '/api/tags'),
        api(broken, 'GET', '/api/profiles/someone'),
      ]) {
        const res = await request;
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({
          errors: { body: ['The database is unavailable: try again shortly'] },
        });
      }
    } finally {
      await broken.close();
      await database.close();
    }
  });
});

describe('failureOf: procedure errors to HTTP', () => {
  const trpc = (code: TRPCError['code'], cause?: Error) =>
    new TRPCError({ code, message: `${code} message`, cause });

  it.each([
    ['UNAUTHORIZED', 401],
    ['FORBIDDEN', 403],
    ['NOT_FOUND', 404],
    ['BAD_REQUEST', 422],
    ['CONFLICT', 409],
    ['SERVICE_UNAVAILABLE', 503],
  ] as const)('%s answers %i with its message', (code, status) => {
    expect(failureOf(trpc(code))).toEqual({ status, messages: [`${code} message`] });
  });

  it('answers a clash with existing data (a taken field) with 422 naming the field', () => {
    const cause = new InvalidFieldsError({ email: ['is already taken'], username: ['is taken'] });
    expect(failureOf(trpc('CONFLICT', cause))).toEqual({
      status: 422,
      messages: ['email is already taken', 'username is taken'],
    });
  });

  it('answers throttling with 429 and the seconds to wait', () => {
    expect(failureOf(trpc('TOO_MANY_REQUESTS', new RateLimitedError(2500)))).toMatchObject({
      status: 429,
      retryAfterSeconds: 3,
    });
  });

  it('hides what went wrong inside', () => {
    const leak = new Error('relation "users" does not exist at /srv/app.ts:1');
    for (const error of [trpc('INTERNAL_SERVER_ERROR', leak), leak, 'thrown string']) {
      expect(failureOf(error)).toEqual({ status: 500, messages: ['Internal server error'] });
    }
  });
});
