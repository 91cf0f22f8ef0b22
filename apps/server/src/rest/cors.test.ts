// CORS for /api: browsers on allow-listed origins may call it; no others, and never with cookies.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { api, restOnlyApp } from './testing';

const allowed = 'https://reader.example';
const refused = 'https://evil.example';

const preflight = (app: FastifyInstance, origin: string, method = 'PUT') =>
  api(app, 'OPTIONS', '/api/user', {
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type',
    },
  });

describe('with an allow-list', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await restOnlyApp({ corsOrigins: [allowed] });
  });
  afterAll(() => app.close());

  it('answers the preflight of an allowed origin, without credentials', async () => {
    const res = await preflight(app, allowed);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(res.headers['access-control-allow-methods']).split(/, */)).toEqual([
      'GET',
      'POST',
      'PUT',
      'DELETE',
    ]);
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(
      /authorization.*content-type/,
    );
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('lets an allowed origin read answers, errors included', async () => {
    const tags = await api(app, 'GET', '/api/tags', { headers: { origin: allowed } });
    expect(tags.statusCode).toBe(200);
    expect(tags.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(tags.headers.vary)).toMatch(/Origin/i);
    const denied = await api(app, 'GET', '/api/user', { headers: { origin: allowed } });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe(allowed);
  });

  it('gives a refused origin no CORS headers, so its browser withholds the answer', async () => {
    const res = await preflight(app, refused);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const read = await api(app, 'GET', '/api/tags', { headers: { origin: refused } });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('without an allow-list (the default)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(() => app.close());

  it('sends no CORS headers at all', async () => {
    const res = await preflight(app, allowed);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const read = await api(app, 'GET', '/api/tags', { headers: { origin: allowed } });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });
});
