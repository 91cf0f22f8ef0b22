// The pictures the site draws for seeded users, as a browser (this site's or another front end's)
// fetches them: the same picture for a seed every time, cached for good, safe to open on its own.
import { avatarUrl } from '@conduit/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp({ NODE_ENV: 'production' });
});
afterAll(() => app.close());

const pathOf = (seed: string) => new URL(avatarUrl('http://localhost:3000', seed)).pathname;

describe('GET /avatars/v1/<seed>.svg', () => {
  it('draws the same SVG for a seed every time, another for another seed', async () => {
    const first = await app.inject(pathOf('alice_smith'));
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(first.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>\n$/s);
    expect((await app.inject(pathOf('alice_smith'))).body).toBe(first.body);
    expect((await app.inject(pathOf('bob-jones'))).body).not.toBe(first.body);
    // Only shapes: nothing a browser would run or fetch.
    const elements = [...first.body.matchAll(/<([a-z]+)/g)].map((match) => match[1]);
    expect(new Set(elements)).toEqual(new Set(['svg', 'rect', 'path']));
    expect(first.body).not.toMatch(/href|script|url\(|on\w+=/i);
  });

  it('is cached for good, typed strictly, and may be shown by front ends on other origins', async () => {
    const res = await app.inject(pathOf('carol'));
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
  });

  it('answers 404 for what is not a seed, never the web app or a 500', async () => {
    for (const file of ['a.b.svg', `${'x'.repeat(65)}.svg`, 'carol.png', 'carol', '%2e%2e.svg']) {
      const res = await app.inject({
        url: `/avatars/v1/${file}`,
        headers: { accept: 'text/html' },
      });
      expect(res.statusCode, file).toBe(404);
      expect(res.json().error.message, file).toMatch(/avatar/);
    }
    const other = await app.inject({
      url: '/avatars/v2/carol.svg',
      headers: { accept: 'text/html' },
    });
    expect(other.statusCode).toBe(404);
    expect(other.headers['content-type']).toMatch(/json/);
  });
});
