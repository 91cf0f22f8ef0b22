// The mailed-link routes beside RealWorld's (issue 14 items 2-3; decision 019), as a REST client
// meets them: reset by mail, email verification, email change, and REQUIRE_VERIFIED_EMAIL.
import { and, asc, eq, mailOutbox } from '@conduit/db';
import { getTestDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { freshName } from '../../test/http';
import { api, errorsOf, signUp } from './testing';

/** With TEST_REDIS_URL the limits are shared through Redis, as between several instances. */
const redis: Record<string, string> = process.env.TEST_REDIS_URL
  ? { REDIS_URL: process.env.TEST_REDIS_URL }
  : {};

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp({ PUBLIC_ORIGIN: 'https://conduit.test', ...redis });
});
afterAll(() => app.close());

/** The token in the newest `template` mail to `to`, read from the outbox. */
async function mailedToken(to: string, template: string): Promise<string> {
  const { db } = await getTestDb();
  const rows = await db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.recipient, to), eq(mailOutbox.template, template)))
    .orderBy(asc(mailOutbox.id));
  const text = rows.at(-1)?.textBody ?? '';
  const match = /https:\/\/conduit\.test\/[a-z-]+#token=(\S+)/.exec(text);
  if (!match?.[1]) throw new Error(`no ${template} link mailed to ${to}`);
  return decodeURIComponent(match[1]);
}

async function mailCount(to: string): Promise<number> {
  const { db } = await getTestDb();
  return (await db.select().from(mailOutbox).where(eq(mailOutbox.recipient, to))).length;
}

describe('POST /api/users/password-reset and /confirm', () => {
  it('answers 202 with no body whether or not the address has an account, then resets once', async () => {
    const me = await signUp(app);
    const session = me.token;
    const known = await api(app, 'POST', '/api/users/password-reset', {
      body: { user: { email: me.email.toUpperCase() } },
    });
    const unknown = await api(app, 'POST', '/api/users/password-reset', {
      body: { user: { email: `${freshName()}@example.com` } },
    });
    for (const res of [known, unknown]) {
      expect([res.statusCode, res.body]).toEqual([202, '']);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    const token = await mailedToken(me.email, 'password-reset');

    const weak = await api(app, 'POST', '/api/users/password-reset/confirm', {
      body: { user: { token, password: 'short' } },
    });
    expect([weak.statusCode, errorsOf(weak)]).toEqual([
      422,
      ['password must be at least 8 characters'],
    ]);
    const reset = await api(app, 'POST', '/api/users/password-reset/confirm', {
      body: { user: { token, password: 'a whole new secret' } },
    });
    expect(reset.statusCode).toBe(204);
    expect(reset.headers['set-cookie']).toBeUndefined(); // nobody is signed in

    expect((await api(app, 'GET', '/api/user', { token: session })).statusCode).toBe(401);
    const again = await api(app, 'POST', '/api/users/password-reset/confirm', {
      body: { user: { token, password: 'another secret here' } },
    });
    expect([again.statusCode, errorsOf(again)]).toEqual([
      422,
      ['token is invalid or has expired: ask for a new link'],
    ]);
    const login = await api(app, 'POST', '/api/users/login', {
      body: { user: { email: me.email, password: 'a whole new secret' } },
    });
    expect(login.statusCode).toBe(200);
  });

  it('answers 422 naming the field for bad input, never 500', async () => {
    for (const body of [{}, { user: {} }, { user: { email: 'nope' } }, { email: 'a@b.co' }]) {
      const res = await api(app, 'POST', '/api/users/password-reset', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
    }
    const forged = await api(app, 'POST', '/api/users/password-reset/confirm', {
      body: { user: { token: 'x'.repeat(300), password: 'long enough pass' } },
    });
    expect([forged.statusCode, errorsOf(forged)]).toEqual([422, ['token is not a link token']]);
  });

  it('answers 429 past the limit per address, known or not, from any IP', async () => {
    const limited = await buildTestApp({ RESET_MAX_PER_ADDRESS: '2', ...redis });
    try {
      const email = `${freshName()}@example.com`;
      const ask = () =>
        api(limited, 'POST', '/api/users/password-reset', { body: { user: { email } } });
      expect((await ask()).statusCode).toBe(202);
      expect((await ask()).statusCode).toBe(202);
      const refused = await ask();
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('email verification', () => {
  it('confirms the address with the token mailed at sign-up, once', async () => {
    const me = await signUp(app);
    const token = await mailedToken(me.email, 'email-verification');
    const confirm = () =>
      api(app, 'POST', '/api/users/email-verification/confirm', { body: { user: { token } } });
    expect((await confirm()).statusCode).toBe(204);
    const again = await confirm();
    expect([again.statusCode, errorsOf(again)]).toEqual([
      422,
      ['token is invalid or has expired: ask for a new link'],
    ]);
  });

  it('mails a new link to the signed-in user; 401 without a token', async () => {
    const me = await signUp(app);
    expect((await api(app, 'POST', '/api/user/email-verification')).statusCode).toBe(401);
    const before = await mailCount(me.email);
    const res = await api(app, 'POST', '/api/user/email-verification', { token: me.token });
    expect([res.statusCode, res.body]).toEqual([202, '']);
    expect(await mailCount(me.email)).toBe(before + 1);
  });

  it('with REQUIRE_VERIFIED_EMAIL=true, writing is 403 until the address is verified', async () => {
    const strict = await buildTestApp({
      REQUIRE_VERIFIED_EMAIL: 'true',
      PUBLIC_ORIGIN: 'https://conduit.test',
    });
    try {
      const me = await signUp(strict);
      const article = { article: { title: freshName(), description: 'd', body: 'b' } };
      const refused = await api(strict, 'POST', '/api/articles', {
        token: me.token,
        body: article,
      });
      expect(refused.statusCode).toBe(403);
      expect(errorsOf(refused)[0]).toMatch(/^Verify your email address to do this/);
      expect((await api(strict, 'GET', '/api/user', { token: me.token })).statusCode).toBe(200);

      const token = await mailedToken(me.email, 'email-verification');
      await api(strict, 'POST', '/api/users/email-verification/confirm', {
        body: { user: { token } },
      });
      const created = await api(strict, 'POST', '/api/articles', {
        token: me.token,
        body: article,
      });
      expect(created.statusCode).toBe(201);
    } finally {
      await strict.close();
    }
  });
});

describe('email change through PUT /api/user', () => {
  it('keeps the email until the link mailed to the new address is opened', async () => {
    const me = await signUp(app);
    const newEmail = `${freshName()}@example.com`;
    const put = await api(app, 'PUT', '/api/user', {
      token: me.token,
      body: { user: { email: newEmail } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().user.email).toBe(me.email);
    const token = await mailedToken(newEmail, 'email-change');
    const confirm = await api(app, 'POST', '/api/users/email-change/confirm', {
      body: { user: { token } },
    });
    expect(confirm.statusCode).toBe(204);
    const current = await api(app, 'GET', '/api/user', { token: me.token });
    expect(current.json().user.email).toBe(newEmail);
    expect(await mailCount(me.email)).toBeGreaterThanOrEqual(2); // verification, then "changed"
  });

  it('takes the RealWorld suite’s PUT of the same email as no change: 200, no mail', async () => {
    const me = await signUp(app);
    const before = await mailCount(me.email);
    const put = await api(app, 'PUT', '/api/user', {
      token: me.token,
      body: { user: { email: me.email } },
    });
    expect(put.statusCode).toBe(200);
    expect(Object.keys(put.json().user).sort()).toEqual([
      'bio',
      'email',
      'image',
      'token',
      'username',
    ]);
    expect(put.json().user.email).toBe(me.email);
    expect(await mailCount(me.email)).toBe(before);
  });
});
