// The security headers as a browser receives them, in production and in development.
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
  app.get('/page', async () => ({ ok: true }));
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

  it('sends them on 404s, errors and rate limit refusals too', async () => {
    const app = await buildTestApp(true);
    const notFound = await app.inject('/missing');
    const failed = await app.inject('/boom');
    const refused = await app.inject('/page');
    expect([notFound.statusCode, failed.statusCode, refused.statusCode]).toEqual([404, 500, 429]);
    for (const res of [notFound, failed, refused]) {
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers).toMatchObject(COMMON_HEADERS);
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
  });
});
