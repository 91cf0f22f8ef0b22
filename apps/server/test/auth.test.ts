// Sessions, cookies, CSRF and throttling as a browser and an API client meet them over HTTP.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAuthLimits } from '@conduit/api/defaults';
import { getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { buildTestApp, testConfig } from './helpers';
import { freshName, mutate, ORIGIN, query, randomIp, register } from './http';

/** With TEST_REDIS_URL the limits are shared through Redis, as between several instances. */
const redis: Record<string, string> = process.env.TEST_REDIS_URL
  ? { REDIS_URL: process.env.TEST_REDIS_URL }
  : {};

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp({ ...redis });
});
afterAll(() => app.close());
beforeEach(async () => resetDb((await getTestDb()).db));

describe('session cookie', () => {
  it('is set at sign-up: HttpOnly, SameSite=Lax, Path=/, 30 days, and the token is returned too', async () => {
    const { response, token } = await register(app);
    const cookie = response.cookies.find((c) => c.name === 'conduit_session');
    expect(cookie).toMatchObject({ value: token, httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    const days = ((cookie?.expires?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('is Secure with the __Host- prefix in production', async () => {
    const production = await buildTestApp({ NODE_ENV: 'production', ...redis });
    try {
      const { response } = await register(production);
      const cookie = response.cookies.find((c) => c.name === '__Host-conduit_session');
      expect(cookie).toMatchObject({ secure: true, httpOnly: true, path: '/' });
      expect(cookie).not.toHaveProperty('domain');
    } finally {
      await production.close();
    }
  });

  it('authenticates by cookie, by Token and by Bearer header, never by query string', async () => {
    const { token, cookie, username } = await register(app);
    const ways: Record<string, string>[] = [
      { cookie },
      { authorization: `Token ${token}` },
      { authorization: `Bearer ${token}` },
    ];
    for (const headers of ways) {
      const res = await query(app, 'auth.me', undefined, headers);
      expect(res.statusCode).toBe(200);
      expect(res.json().result.data.user.username).toBe(username);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect((await app.inject(`/trpc/auth.me?token=${token}`)).statusCode).toBe(401);
    expect(
      (await query(app, 'auth.me', undefined, { authorization: `Basic ${token}` })).statusCode,
    ).toBe(401);
  });

  it('is cleared by logout, after which the old cookie is refused', async () => {
    const { cookie } = await register(app);
    const out = await mutate(app, 'auth.logout', {}, { cookie, origin: ORIGIN });
    expect(out.statusCode).toBe(200);
    const cleared = out.cookies.find((c) => c.name === 'conduit_session');
    expect(cleared?.value).toBe('');
    expect((cleared?.expires?.getTime() ?? Date.now()) <= Date.now()).toBe(true);
    expect((await query(app, 'auth.me', undefined, { cookie })).statusCode).toBe(401);
  });

  it('answers 401 without a session and 403 without the role', async () => {
    expect((await query(app, 'auth.me')).statusCode).toBe(401);
    const { token } = await register(app);
    const res = await query(app, 'admin.auditLog', undefined, { authorization: `Token ${token}` });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.data.code).toBe('FORBIDDEN');
  });
});

describe('cross-site request forgery', () => {
  it('refuses a cookie-authenticated change from a foreign origin', async () => {
    const { cookie } = await register(app);
    const foreign: Record<string, string>[] = [
      { cookie, origin: 'https://evil.example' },
      { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { cookie, 'sec-fetch-site': 'cross-site' },
      { cookie, origin: 'null' },
      // Neither header: not a browser that says where it comes from (OWASP: block).
      { cookie },
    ];
    for (const headers of foreign) {
      const res = await mutate(app, 'auth.logoutAll', {}, headers);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: { code: 'FORBIDDEN', message: 'Cross-origin request refused' },
      });
    }
    // Nothing happened: the session still works.
    expect((await query(app, 'auth.me', undefined, { cookie })).statusCode).toBe(200);
  });

  it('accepts our own origin, as the browser reports it', async () => {
    const { cookie } = await register(app);
    const sameOrigin = await mutate(
      app,
      'user.update',
      { bio: 'mine' },
      { cookie, origin: ORIGIN },
    );
    expect(sameOrigin.statusCode).toBe(200);
    expect(
      (await mutate(app, 'auth.logout', {}, { cookie, 'sec-fetch-site': 'same-origin' }))
        .statusCode,
    ).toBe(200);
    const again = await register(app);
    const typed = await mutate(
      app,
      'auth.logout',
      {},
      { cookie: again.cookie, 'sec-fetch-site': 'none' },
    );
    expect(typed.statusCode).toBe(200);
  });

  it('lets a client that is not a browser change things with its header token', async () => {
    const { cookie, token } = await register(app);
    const res = await mutate(
      app,
      'user.update',
      { bio: 'by token' },
      { cookie, authorization: `Token ${token}` },
    );
    expect(res.statusCode).toBe(200);
    expect((await mutate(app, 'user.update', { bio: 'by cookie' }, { cookie })).statusCode).toBe(
      403,
    );
  });

  it('accepts configured origins, and header tokens from anywhere', async () => {
    const withApp = await buildTestApp({ ALLOWED_ORIGINS: 'https://app.example.com', ...redis });
    try {
      const { cookie, token } = await register(withApp);
      const ok = await mutate(
        withApp,
        'user.update',
        { bio: 'hi' },
        { cookie, origin: 'https://app.example.com' },
      );
      expect(ok.statusCode).toBe(200);
      const byToken = await mutate(
        withApp,
        'user.update',
        { bio: 'by token' },
        { authorization: `Token ${token}`, cookie, origin: 'https://elsewhere.example' },
      );
      expect(byToken.statusCode).toBe(200);
    } finally {
      await withApp.close();
    }
  });
});

describe('throttling', () => {
  async function withLimits(
    env: Record<string, string>,
    run: (limited: FastifyInstance) => Promise<void>,
  ) {
    const limited = await buildTestApp({ ...env, ...redis });
    try {
      await run(limited);
    } finally {
      await limited.close();
    }
  }
  const login = (target: FastifyInstance, email: string, password: string, remoteAddress: string) =>
    target.inject({
      method: 'POST',
      url: '/trpc/auth.login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email, password }),
      remoteAddress,
    });

  it('locks an account after 5 failed logins, even for the right password, with Retry-After', async () => {
    await withLimits({}, async (limited) => {
      const { email, password } = await register(limited);
      for (let i = 0; i < defaultAuthLimits.loginFailuresPerAccount.max; i++) {
        // From many addresses: the lock follows the account, not the IP.
        expect((await login(limited, email, 'wrong password', randomIp())).statusCode).toBe(401);
      }
      const locked = await login(limited, email, password, randomIp());
      expect(locked.statusCode).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
      expect(locked.json().error.data).toMatchObject({
        code: 'TOO_MANY_REQUESTS',
        retryAfterSeconds: expect.any(Number),
      });
    });
  });

  it('counts wrong current passwords on a password change as failed logins', async () => {
    await withLimits({}, async (limited) => {
      const { token, email, password } = await register(limited);
      const change = (currentPassword: string) =>
        limited.inject({
          method: 'POST',
          url: '/trpc/user.update',
          headers: { 'content-type': 'application/json', authorization: `Token ${token}` },
          payload: JSON.stringify({ password: 'a brand new password', currentPassword }),
          remoteAddress: randomIp(),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await change(`guess number ${i}`)).statusCode);
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
      // The account is locked for sign-in too, even with the right password.
      expect((await login(limited, email, password, randomIp())).statusCode).toBe(429);
    });
  });

  it('throttles an unknown email exactly like a known one', async () => {
    await withLimits({}, async (limited) => {
      const email = `${freshName()}@example.com`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await login(limited, email, 'wrong password', randomIp())).statusCode);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    });
  });

  it('lets 25 colleagues behind one office address sign in, one after the other', async () => {
    await withLimits({}, async (limited) => {
      const colleagues = [];
      for (let i = 0; i < 25; i++) colleagues.push(await register(limited));
      const office = randomIp();
      const statuses: number[] = [];
      for (const { email, password } of colleagues)
        statuses.push((await login(limited, email, password, office)).statusCode);
      expect(statuses).toEqual(Array(25).fill(200));
    });
  });

  it('locks an address out after 20 failed logins from it, even for another account’s right password', async () => {
    await withLimits({}, async (limited) => {
      const { email, password } = await register(limited);
      const guesser = randomIp();
      for (let i = 0; i < 20; i++) {
        // A different account each time: no account lock is reached, only the address's.
        const status = (await login(limited, `${freshName()}@example.com`, 'guess1', guesser))
          .statusCode;
        expect(status).toBe(401);
      }
      const locked = await login(limited, email, password, guesser);
      expect(locked.statusCode).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
      expect((await login(limited, email, password, randomIp())).statusCode).toBe(200);
    });
  });

  it('counts wrong current passwords on a password change against the address too', async () => {
    await withLimits({ LOGIN_MAX_FAILURES_PER_IP: '2' }, async (limited) => {
      const victim = await register(limited);
      const other = await register(limited);
      const ip = randomIp();
      const change = (currentPassword: string) =>
        limited.inject({
          method: 'POST',
          url: '/trpc/user.update',
          headers: { 'content-type': 'application/json', authorization: `Token ${victim.token}` },
          payload: JSON.stringify({ password: 'a brand new password', currentPassword }),
          remoteAddress: ip,
        });
      expect((await change('guess one')).statusCode).toBe(400);
      expect((await change('guess two')).statusCode).toBe(400);
      expect((await login(limited, other.email, other.password, ip)).statusCode).toBe(429);
    });
  });

  it('still caps all login attempts per IP, successful or not, against a flood', async () => {
    await withLimits({ LOGIN_MAX_ATTEMPTS_PER_IP: '3' }, async (limited) => {
      const { email, password } = await register(limited);
      const ip = randomIp();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await login(limited, email, password, ip)).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
    });
  });

  it('limits login attempts per IP', async () => {
    await withLimits({ LOGIN_MAX_ATTEMPTS_PER_IP: '3' }, async (limited) => {
      const ip = randomIp();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (await login(limited, `${freshName()}@example.com`, 'whatever1', ip)).statusCode,
        );
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(
        (await login(limited, `${freshName()}@example.com`, 'whatever1', randomIp())).statusCode,
      ).toBe(401);
    });
  });

  it('limits registrations per IP, and 0 turns a limit off', async () => {
    const ip = randomIp();
    await withLimits({ REGISTER_MAX_PER_IP: '2' }, async (limited) => {
      await register(limited, {}, ip);
      await register(limited, {}, ip);
      await expect(register(limited, {}, ip)).rejects.toThrow(/TOO_MANY_REQUESTS/);
    });
    await withLimits(
      { REGISTER_MAX_PER_IP: '0', LOGIN_MAX_FAILURES_PER_ACCOUNT: '0' },
      async (limited) => {
        const { email } = await register(limited, {}, ip);
        for (let i = 0; i < 8; i++)
          expect((await login(limited, email, 'wrong password', ip)).statusCode).toBe(401);
      },
    );
  });

  it('limits all requests per IP', async () => {
    await withLimits({ RATE_LIMIT_MAX: '3' }, async (limited) => {
      const remoteAddress = randomIp();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await limited.inject({ url: '/trpc/tag.list', remoteAddress })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
    });
  });
});

describe('client address', () => {
  const fromProxy = (target: FastifyInstance, forwardedFor: string) =>
    target.inject({
      url: '/trpc/tag.list',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('ignores X-Forwarded-For unless the peer is a trusted proxy', async () => {
    const direct = await buildTestApp({ RATE_LIMIT_MAX: '2', ...redis });
    const proxied = await buildTestApp({ RATE_LIMIT_MAX: '2', TRUST_PROXY: '127.0.0.1', ...redis });
    try {
      // Untrusted: a client picking a new X-Forwarded-For per request is still one client.
      const peer = randomIp();
      const samePeer: number[] = [];
      for (let i = 0; i < 3; i++)
        samePeer.push(
          (
            await direct.inject({
              url: '/trpc/tag.list',
              remoteAddress: peer,
              headers: { 'x-forwarded-for': randomIp() },
            })
          ).statusCode,
        );
      expect(samePeer).toEqual([200, 200, 429]);

      // Trusted proxy: each forwarded client is counted on its own.
      const [a, b] = [randomIp(), randomIp()];
      const statuses = [];
      for (const client of [a, a, a, b])
        statuses.push((await fromProxy(proxied, client)).statusCode);
      expect(statuses).toEqual([200, 200, 429, 200]);
    } finally {
      await direct.close();
      await proxied.close();
    }
  });
});

describe('logs', () => {
  it('never contain a password or a token', async () => {
    const lines: string[] = [];
    const logged = await buildApp(testConfig({ LOG_LEVEL: 'trace', ...redis }), {
      database: await getTestDb(),
      logStream: { write: (line) => lines.push(line) },
    });
    try {
      const { token, password, email } = await register(logged);
      await query(logged, 'auth.me', undefined, { authorization: `Token ${token}` });
      await mutate(logged, 'auth.login', { email, password: 'not the password 42' });
      await mutate(logged, 'auth.login', { email, password });
      const all = lines.join('');
      expect(all).toContain('request completed');
      for (const secret of [token, token.split('.')[1] ?? '', password, 'not the password 42']) {
        expect(all).not.toContain(secret);
      }
    } finally {
      await logged.close();
    }
  });
});

describe('restart', () => {
  it('keeps a session across a server restart on the embedded database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conduit-restart-'));
    const env = { PGLITE_DIR: join(dir, 'db'), ...redis };
    try {
      const first = await buildApp(testConfig(env));
      const { cookie, username } = await register(first);
      await first.close();

      const second = await buildApp(testConfig(env));
      const res = await query(second, 'auth.me', undefined, { cookie });
      await second.close();
      expect(res.statusCode).toBe(200);
      expect(res.json().result.data.user.username).toBe(username);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

it('sends the API set of security headers with tRPC answers', async () => {
  const res = await query(app, 'tag.list');
  expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBeUndefined();
});
