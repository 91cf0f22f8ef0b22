// No secret reaches a log line: each kind of secret, sent in each place a request can carry it,
// then the captured log searched for it.
import { getTestDb } from '@conduit/db/testing';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers';
import { freshName, ORIGIN } from '../../test/http';
import { buildApp } from '../app';
import { CENSOR, redactUrl } from './redact';

describe('redactUrl', () => {
  it.each([
    ['/api/user?token=abc', `/api/user?token=${CENSOR}`],
    ['/x?access_token=abc&limit=2', `/x?access_token=${CENSOR}&limit=2`],
    ['/x?a=1&Password=abc&b=2', `/x?a=1&Password=${CENSOR}&b=2`],
    [
      '/x?api_key=abc&client_secret=d&id_token=e',
      `/x?api_key=${CENSOR}&client_secret=${CENSOR}&id_token=${CENSOR}`,
    ],
    ['/x?%74oken=abc', `/x?%74oken=${CENSOR}`],
    ['/x?token', `/x?token=${CENSOR}`],
    ['/x?session=abc&sig=d&code=e', `/x?session=${CENSOR}&sig=${CENSOR}&code=${CENSOR}`],
    [
      `/trpc/auth.login?input=${encodeURIComponent('{"email":"a@b.co","password":"abc"}')}`,
      `/trpc/auth.login?input=${CENSOR}`,
    ],
  ])('censors %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
    // Every time: a URL with a secret is never remembered as clean.
    expect(redactUrl(url)).toBe(expected);
  });

  it.each([
    '/api/articles?author=jake&tag=dragons&limit=10&offset=20',
    `/trpc/article.list?input=${encodeURIComponent('{"author":"jake","limit":2}')}`,
    '/api/articles/how-to-train-your-dragon',
    '/x?bad=%E0%A4%A',
  ])('leaves %s as it is', (url) => {
    expect(redactUrl(url)).toBe(url);
  });
});

describe('the log', () => {
  it('holds no secret sent in a header, a cookie, a body field or the query string', async () => {
    const lines: string[] = [];
    const app = await buildApp(testConfig({ LOG_LEVEL: 'trace' }), {
      database: await getTestDb(),
      logStream: { write: (line) => lines.push(line) },
    });
    // An unexpected failure, to see the error log too.
    app.get('/test/fail', async () => {
      throw new Error('boom');
    });
    // A careless log line of the future: the request's headers and body, whole.
    app.post('/test/log-all', async (request) => {
      request.log.info({ headers: request.headers, body: request.body }, 'everything');
      return { ok: true };
    });
    const secrets = new Map<string, string>();
    const secret = (place: string) => {
      const value = `S3cr3t${place.replace(/\W/g, '')}${freshName()}`;
      secrets.set(place, value);
      return value;
    };
    try {
      const username = freshName();
      const email = `${username}@example.com`;
      const password = secret('password field');
      const registered = await app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { 'content-type': 'application/json' },
        payload: { user: { email, username, password } },
      });
      const token = registered.json().user.token as string;
      secrets.set('token', token);

      const requests = [
        // Headers and cookies.
        { url: '/api/user', headers: { authorization: `Token ${token}` } },
        { url: '/api/user', headers: { authorization: `Bearer ${secret('bearer header')}` } },
        { url: '/api/user', headers: { 'proxy-authorization': `Basic ${secret('proxy header')}` } },
        { url: '/trpc/auth.me', headers: { cookie: `conduit_session=${secret('cookie')}` } },
        // Body fields: a sign-in, a wrong one, a password change, malformed JSON.
        {
          method: 'POST',
          url: '/trpc/auth.login',
          payload: { email, password: secret('wrong password') },
        },
        {
          method: 'PUT',
          url: '/api/user',
          headers: { authorization: `Token ${token}` },
          payload: { user: { password: secret('new password'), currentPassword: password } },
        },
        {
          method: 'POST',
          url: '/api/users/login',
          payload: `{"user":{"password":"${secret('bad json')}"`,
        },
        // A log line that includes headers and the body as they came.
        {
          method: 'POST',
          url: '/test/log-all',
          headers: {
            authorization: `Token ${secret('logged header')}`,
            cookie: `conduit_session=${secret('logged cookie')}`,
          },
          payload: { user: { credentials: { password: secret('logged deep field') } } },
        },
        // Query strings: refused, unknown, malformed and failing routes alike.
        { url: `/api/user?token=${secret('query token')}` },
        { url: `/api/articles?access_token=${secret('query access token')}&limit=1` },
        { url: `/trpc/auth.me?password=${secret('query password')}` },
        { url: `/nowhere?api_key=${secret('query key')}` },
        { url: `/api/articles/%FF?token=${secret('query on a bad path')}` },
        { url: `/test/fail?secret=${secret('query on a failure')}` },
        {
          url: `/trpc/auth.login?input=${encodeURIComponent(JSON.stringify({ email, password: secret('query input') }))}`,
        },
      ];
      for (const { method = 'GET', url, headers = {}, payload } of requests) {
        await app.inject({
          method: method as 'GET',
          url,
          headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
          ...(payload === undefined ? {} : { payload }),
        });
      }

      const log = lines.join('');
      // The URLs were logged, censored (so the search below searched something).
      expect(log).toContain(`/api/user?token=${CENSOR}`);
      expect(log).toContain('request failed');
      expect(log).toContain('"authorization":"[redacted]"');
      for (const [place, value] of secrets) {
        expect(log.includes(value), `the ${place} is in the log`).toBe(false);
      }
    } finally {
      await app.close();
    }
  });
});
