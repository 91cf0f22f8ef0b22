// The OpenAPI document at /api/openapi.json and the reference page at /docs.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { api, restOnlyApp, specOperations } from './testing';

/** Spec operations not served yet: none. A route that lands leaves this list. */
const NOT_YET_SERVED = new Set<string>([]);

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

let app: FastifyInstance;
let document: OpenApiDocument;

beforeAll(async () => {
  app = await buildTestApp();
  const res = await app.inject('/api/openapi.json');
  expect(res.statusCode).toBe(200);
  document = res.json();
});
afterAll(() => app.close());

const operationsOf = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document with the RealWorld token scheme', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.Token).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
    });
    expect(Object.keys(document.components.schemas).sort()).toEqual([
      'Article',
      'ArticleListItem',
      'Comment',
      'GenericErrorModel',
      'Profile',
      'User',
    ]);
  });

  it('documents every route served under /api, and nothing else', async () => {
    const served: string[] = [];
    const collect = (route: RouteOptions) => {
      const methods = [route.method].flat();
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide;
      if (!route.url.startsWith('/api/') || hidden) return;
      for (const method of methods.filter((m) => m !== 'HEAD' && m !== 'OPTIONS')) {
        served.push(`${method} ${route.url.slice('/api'.length).replace(/:(\w+)/g, '{$1}')}`);
      }
    };
    const restOnly = await restOnlyApp({}, collect);
    try {
      expect(served.length).toBeGreaterThan(0);
      expect(operationsOf(document).sort()).toEqual(served.sort());
    } finally {
      await restOnly.close();
    }
  });

  it('serves and documents every operation of the RealWorld spec, with its success status', async () => {
    const operations = specOperations();
    expect(operations.length).toBe(19);
    for (const { method, path, success } of operations) {
      const key = `${method} ${path}`;
      const documented = document.paths[path]?.[method.toLowerCase()];
      if (NOT_YET_SERVED.has(key)) {
        expect(documented, `${key} is served: take it off NOT_YET_SERVED`).toBeUndefined();
        continue;
      }
      expect(documented, `${key} is not documented`).toBeDefined();
      expect(Object.keys(documented?.responses ?? {}), key).toContain(String(success));
      const url = `/api${path.replace(/\{\w+\}/g, 'someone')}`;
      const res = await api(app, method as 'GET', url);
      expect(res.body, `${key} is not served`).not.toMatch(/No route for/);
    }
  });

  it('documents the article and comment routes: bodies, parameters, answers and errors', () => {
    type Operation = {
      parameters?: { in: string; name: string; required?: boolean; schema: { type?: string } }[];
      requestBody?: { content: Record<string, { schema: unknown }> };
      responses: Record<string, unknown>;
      security?: unknown;
      description?: string;
    };
    const op = (path: string, method: string) =>
      document.paths[path]?.[method] as unknown as Operation;
    const parameter = (operation: Operation, name: string) =>
      operation.parameters?.find((p) => p.name === name);

    const list = op('/articles', 'get');
    for (const name of ['tag', 'author', 'favorited', 'limit', 'offset']) {
      expect(parameter(list, name), name).toMatchObject({ in: 'query', required: false });
    }
    expect(parameter(list, 'limit')?.schema).toMatchObject({ type: 'integer', minimum: 1 });
    expect(list.security).toEqual([{}, { Token: [] }]);
    expect(Object.keys(op('/articles/feed', 'get').responses).sort()).toEqual([
      '200',
      '401',
      '422',
    ]);
    expect(op('/articles/feed', 'get').security).toEqual([{ Token: [] }]);

    const create = op('/articles', 'post');
    expect(create.requestBody?.content['application/json']).toBeDefined();
    // 403: with REQUIRE_VERIFIED_EMAIL=true, an unverified author (decision 019).
    expect(Object.keys(create.responses).sort()).toEqual(['201', '401', '403', '422']);
    expect(Object.keys(op('/articles/{slug}', 'put').responses).sort()).toEqual([
      '200',
      '401',
      '403',
      '404',
      '422',
    ]);
    expect(op('/articles/{slug}', 'delete').responses['204']).toBeDefined();
    expect(op('/articles/{slug}/comments', 'post').requestBody).toBeDefined();
    expect(op('/articles/{slug}/comments', 'get').description).toMatch(/up to 500 comments/);
    const deleteComment = op('/articles/{slug}/comments/{id}', 'delete');
    expect(parameter(deleteComment, 'id')).toMatchObject({
      in: 'path',
      required: true,
      schema: { type: 'integer' },
    });
    expect(deleteComment.responses['204']).toBeDefined();
  });

  it('marks the routes that need a token', () => {
    expect(document.paths['/user']?.get?.security).toEqual([{ Token: [] }]);
    expect(document.paths['/users/login']?.post?.security).toBeUndefined();
  });
});

describe('the reference page at /docs', () => {
  it('is an HTML page whose scripts and styles all come from this server', async () => {
    const page = await app.inject('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.filter((url) => url.endsWith('.js'))).toHaveLength(3);
    expect(assets.filter((url) => url.endsWith('.css')).length).toBeGreaterThan(0);
    for (const url of assets) {
      expect(url).toMatch(/^\/docs\//);
      const asset = await app.inject(url);
      expect(asset.statusCode, url).toBe(200);
      expect(asset.rawPayload.length, url).toBeGreaterThan(0);
    }
    // No inline script: every <script> loads a file, so our CSP needs no 'unsafe-inline'.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('keeps the strict content security policy', async () => {
    const page = await app.inject('/docs');
    const csp = page.headers['content-security-policy'];
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).toMatch(/connect-src 'self'(;|$)/);
  });

  it('loads the same document the API serves', async () => {
    const initializer = await app.inject('/docs/static/swagger-initializer.js');
    expect(initializer.body).toMatch(/resolveUrl\('\.\/json'\)/);
    const json = await app.inject('/docs/json');
    expect(json.json()).toEqual(document);
  });
});
