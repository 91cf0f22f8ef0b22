// The security headers as a browser receives them, in production and in development: the whole
// set on pages, a lean set on API answers.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLimiter } from '../limits/memory';
import { errorsPlugin } from './errors';
import { rateLimitPlugin } from './rate-limit';
import { securityHeadersPlugin } from './security-headers';

let app: FastifyInstance | undefined;
afterEach(() => app?.close());

async function buildTestApp(production: boolean) {
  app = Fastify({ logger: false });
  await app.register(errorsPlugin);
  await app.register(securityHeadersPlugin, { production });
  // Registered after the headers, as buildApp must: refusals carry them too.
  await app.register(rateLimitPlugin, { limiter: createMemoryLimiter(), max: 2, windowMs: 60_000 });
  app.get('/page', async (_request, reply) => reply.type('text/html').send('<p>hello</p>'));
  app.get('/answer', async () => ({ ok: true }));
  app.get('/picture.svg', async (_request, reply) =>
    reply
      .type('image/svg+xml')
      .header('content-security-policy', "default-src 'none'")
      .header('cross-origin-resource-policy', 'cross-origin')
      .send('<svg xmlns="http://www.w3.org/2000/svg"/>'),
  );
  app.get('/stream', async (_request, reply) => reply.type('text/event-stream').send(': ping\n\n'));
  app.get('/script.js', async (_request, reply) => reply.type('text/javascript').send('1'));
  app.get('/boom', async () => {
    throw new Error('database exploded');
  });
  return app;
}

const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
];

/** Headers every response gets, in every environment. */
const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** What an API answer keeps: no sniffing, no framing, no embedding elsewhere, nothing to run. */
const API_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};

/** Policies that act only on a page a browser renders. */
const PAGE_ONLY = [
  'referrer-policy',
  'cross-origin-opener-policy',
  'origin-agent-cluster',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

describe('security headers in production', () => {
  it('sends the full policy, HSTS included', async () => {
    const res = await (await buildTestApp(true)).inject('/page');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe(
      [...CSP_DIRECTIVES, 'upgrade-insecure-requests'].join(';'),
    );
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(res.headers).toMatchObject(COMMON_HEADERS);
    expect(res.headers['x-powered-by']).toBeUndefined();
    // Would block the user-supplied images articles show.
    expect(res.headers['cross-origin-embedder-policy']).toBeUndefined();
  });

  it('keeps a header the route set itself', async () => {
    const res = await (await buildTestApp(true)).inject('/picture.svg');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'");
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('sends the whole set on what a browser runs, too', async () => {
    const res = await (await buildTestApp(true)).inject('/script.js');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers).toMatchObject(COMMON_HEADERS);
  });

  it('sends a lean set on API answers and event streams: no page policies', async () => {
    const app = await buildTestApp(true);
    for (const url of ['/answer', '/stream']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers, url).toMatchObject(API_HEADERS);
      expect(res.headers['strict-transport-security'], url).toBe(
        'max-age=31536000; includeSubDomains',
      );
      for (const name of PAGE_ONLY) expect(res.headers[name], `${url} ${name}`).toBeUndefined();
    }
  });

  it('sends them on 404s, errors and rate limit refusals too', async () => {
    const app = await buildTestApp(true);
    const notFound = await app.inject('/missing');
    const failed = await app.inject('/boom');
    const refused = await app.inject('/answer');
    expect([notFound.statusCode, failed.statusCode, refused.statusCode]).toEqual([404, 500, 429]);
    for (const res of [notFound, failed, refused]) {
      expect(res.headers).toMatchObject(API_HEADERS);
      expect(res.headers['strict-transport-security']).toBeDefined();
    }
  });
});

describe('security headers outside production', () => {
  it('sends the same policy without HSTS or upgrade-insecure-requests', async () => {
    const res = await (await buildTestApp(false)).inject('/page');
    expect(res.headers['content-security-policy']).toBe(CSP_DIRECTIVES.join(';'));
    for (const directive of CSP_DIRECTIVES) {
      expect(res.headers['content-security-policy']).toContain(directive);
    }
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers).toMatchObject(COMMON_HEADERS);
    expect(res.headers['x-powered-by']).toBeUndefined();
    const answer = await app?.inject('/answer');
    expect(answer?.headers).toMatchObject(API_HEADERS);
    expect(answer?.headers['strict-transport-security']).toBeUndefined();
  });
});
