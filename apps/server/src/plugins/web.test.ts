// The web app as a browser meets it on the server's origin: its page, its hashed files, deep links,
// and what happens when it was never built. A fake build in a temporary folder stands in for
// apps/web/dist, so these tests do not need the real one.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from 'node:zlib';
import { getTestDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers';
import { type AppDeps, buildApp } from '../app';

const PAGE = `<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd34.js"></script></head><body><div id="root"></div></body></html>`;
const SCRIPT = `console.log(${JSON.stringify('the app '.repeat(400))});\n`;
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let dist: string;
let app: FastifyInstance;

async function appWith(deps: AppDeps, env: Record<string, string> = {}) {
  return buildApp(testConfig(env), { database: await getTestDb(), ...deps });
}

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'conduit-web-'));
  await mkdir(join(dist, 'assets'));
  await writeFile(join(dist, 'index.html'), PAGE);
  await writeFile(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(dist, 'assets', 'index-Ab12Cd34.js'), SCRIPT);
  // As the build writes it (apps/web/vite-precompress.ts): a Brotli copy at the strongest level.
  await writeFile(join(dist, 'assets', 'index-Ab12Cd34.js.br'), brotliCompressSync(SCRIPT));
  await writeFile(join(dist, '.env'), 'SECRET=1');
  app = await appWith({ webRoot: dist });
});
afterAll(async () => {
  await app.close();
  await rm(dist, { recursive: true, force: true });
});

describe('the built web app', () => {
  it('serves its page at / to be revalidated on every visit, with the security headers', async () => {
    const res = await app.inject({ url: '/', headers: { accept: HTML } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toBe(PAGE);

    // Revalidation costs a 304 while the page has not changed.
    const etag = res.headers.etag as string;
    expect(etag).toBeTruthy();
    const again = await app.inject({ url: '/', headers: { accept: HTML, 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
  });

  it('serves its page at / to any client, whatever encodings it accepts', async () => {
    for (const headers of [{}, { 'accept-encoding': 'br' }, { 'accept-encoding': 'gzip, br' }]) {
      const res = await app.inject({ url: '/', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      const encoding = res.headers['content-encoding'];
      const body =
        encoding === 'br'
          ? brotliDecompressSync(res.rawPayload)
          : encoding === 'gzip'
            ? gunzipSync(res.rawPayload)
            : res.rawPayload;
      expect(body.toString()).toBe(PAGE);
    }
  });

  it('serves hashed assets to be kept for a year, compressed when accepted', async () => {
    const res = await app.inject({
      url: '/assets/index-Ab12Cd34.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it("sends the build's own Brotli copy of a file to a browser that accepts it", async () => {
    const res = await app.inject({
      url: '/assets/index-Ab12Cd34.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(res.rawPayload).toEqual(brotliCompressSync(SCRIPT));
    expect(brotliDecompressSync(res.rawPayload).toString()).toBe(SCRIPT);
    // The copy has no address of its own.
    expect((await app.inject('/assets/index-Ab12Cd34.js.br')).statusCode).toBe(404);
  });

  it('serves other root files to be revalidated', async () => {
    const res = await app.inject('/favicon.svg');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('answers a browser deep link (a client route) with the page', async () => {
    for (const url of ['/article/some-slug', '/profile/alice/favorites', '/settings?tab=1']) {
      const res = await app.inject({ url, headers: { accept: HTML } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.headers.vary, url).toMatch(/accept/i);
      expect(res.headers['content-security-policy'], url).toMatch(/default-src 'self'/);
      expect(res.body, url).toBe(PAGE);
    }
    const head = await app.inject({ method: 'HEAD', url: '/article/x', headers: { accept: HTML } });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('keeps the JSON 404 for missing files, server paths, other methods and API clients', async () => {
    const notFound = [
      { url: '/assets/index-Missing1.js', headers: { accept: HTML } },
      { url: '/robots.txt', headers: { accept: HTML } },
      { url: '/.env', headers: { accept: HTML } },
      { url: '/healthz/more', headers: { accept: HTML } },
      { url: '/metrics/x', headers: { accept: HTML } },
      { url: '/article/some-slug', headers: { accept: 'application/json' } },
      { url: '/article/some-slug', headers: { accept: '*/*' } },
      { url: '/article/some-slug', headers: { accept: 'text/html;q=0' } },
      { url: '/article/some-slug', method: 'POST' as const, headers: { accept: HTML } },
    ];
    for (const request of notFound) {
      const res = await app.inject(request);
      const what = `${request.method ?? 'GET'} ${request.url} (${request.headers.accept})`;
      expect(res.statusCode, what).toBe(404);
      expect(res.headers['content-type'], what).toMatch(/^application\/json/);
      expect(res.json(), what).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });

  it('leaves the API, tRPC and docs their own answers', async () => {
    const api = await app.inject({ url: '/api/no-such-thing', headers: { accept: HTML } });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toHaveProperty('errors.body');

    const trpc = await app.inject({ url: '/trpc/no.such', headers: { accept: HTML } });
    expect(trpc.statusCode).toBe(404);
    expect(trpc.headers['content-type']).toMatch(/^application\/json/);

    const docs = await app.inject({ url: '/docs', headers: { accept: HTML } });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).not.toBe(PAGE);
  });

  it('sends upgrade-insecure-requests with the page in production', async () => {
    const production = await appWith({ webRoot: dist }, { NODE_ENV: 'production' });
    try {
      const res = await production.inject({ url: '/article/x', headers: { accept: HTML } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-security-policy']).toMatch(/upgrade-insecure-requests/);
      expect(res.headers['strict-transport-security']).toBeDefined();
    } finally {
      await production.close();
    }
  });
});

describe('without a build of the web app', () => {
  let unbuilt: FastifyInstance;
  const logLines: { level: number; msg: string }[] = [];

  beforeAll(async () => {
    unbuilt = await appWith(
      {
        webRoot: join(tmpdir(), 'conduit-web-never-built'),
        logStream: { write: (line) => logLines.push(JSON.parse(line)) },
      },
      { LOG_LEVEL: 'warn' },
    );
    await unbuilt.ready();
  });
  afterAll(() => unbuilt.close());

  it('starts, and says so once in the log', async () => {
    const warnings = logLines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/web app is not built/);
    expect((await unbuilt.inject('/healthz')).statusCode).toBe(200);
  });

  it('answers / and client routes with a notice that the app is not built', async () => {
    for (const url of ['/', '/article/some-slug']) {
      const res = await unbuilt.inject({ url, headers: { accept: HTML } });
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.headers['content-security-policy'], url).toMatch(/default-src 'self'/);
      expect(res.body, url).toMatch(/web app is not built/);
      expect(res.body, url).toMatch(/pnpm start/);
    }
  });

  it('answers / in JSON to clients that do not ask for HTML', async () => {
    const res = await unbuilt.inject('/');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/not built/) },
    });
  });
});
