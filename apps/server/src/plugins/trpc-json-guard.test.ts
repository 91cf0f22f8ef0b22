// Prototype-poisoning input is refused on tRPC as on REST, before any procedure runs.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { freshName } from '../../test/http';
import { hasPrototypeKey } from './trpc-json-guard';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(() => app.close());

const post = (url: string, payload: string) =>
  app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });

/** A sign-up whose JSON text is `shape` with the account's fields spliced in. */
function signUpText(wrap: (fields: string) => string) {
  const username = freshName();
  const fields = `"email":"${username}@example.com","username":"${username}","password":"long enough"`;
  return { username, text: wrap(fields) };
}

describe('tRPC input with prototype keys', () => {
  it.each([
    ['__proto__', (f: string) => `{"__proto__":{"role":"admin"},${f}}`],
    ['constructor.prototype', (f: string) => `{"constructor":{"prototype":{"role":"admin"}},${f}}`],
    ['__proto__ spelled with escapes', (f: string) => `{"\\u005f\\u005fproto__":{"x":1},${f}}`],
    ['__proto__ nested', (f: string) => `{${f},"extra":[{"a":{"__proto__":{"x":1}}}]}`],
  ])('refuses a body with %s (400, tRPC error shape), and nothing is written', async (_, wrap) => {
    const { username, text } = signUpText(wrap);
    const res = await post('/trpc/auth.register', text);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({
      error: {
        code: -32600,
        data: { code: 'BAD_REQUEST', httpStatus: 400, path: 'auth.register' },
      },
    });
    const profile = await app.inject(
      `/trpc/profile.get?input=${encodeURIComponent(JSON.stringify({ username }))}`,
    );
    expect(profile.statusCode).toBe(404);
  });

  it('refuses one in a batch body', async () => {
    const { text } = signUpText((f) => `{"0":{"__proto__":{"x":1},${f}}}`);
    const res = await post('/trpc/auth.register?batch=1', text);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.data.code).toBe('BAD_REQUEST');
  });

  it('refuses one in the input query parameter of a query', async () => {
    for (const input of ['{"__proto__":{"limit":1}}', '{"0":{"constructor":{"prototype":{}}}}']) {
      const batch = input.startsWith('{"0"') ? '&batch=1' : '';
      const res = await app.inject(`/trpc/tag.list?input=${encodeURIComponent(input)}${batch}`);
      expect(res.statusCode, res.body).toBe(400);
    }
  });

  it('reads the input parameter as tRPC does, malformed percent-encoding and all', async () => {
    // Fastify's query parser leaves a value with a bad escape undecoded, so it saw no key here;
    // tRPC's URLSearchParams decodes the rest and reads __proto__.
    const input = '%7B%22%5F%5Fproto%5F%5F%22%3A%7B%22limit%22%3A1%7D%2C%22x%22%3A%22%zz%22%7D';
    const res = await app.inject(`/trpc/tag.list?input=${input}`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.message).toMatch(/forbidden key/);
  });

  it('takes the words as text, and a "constructor" key without a prototype', async () => {
    const username = freshName();
    const ok = await post(
      '/trpc/auth.register',
      JSON.stringify({
        email: `${username}@example.com`,
        username,
        password: 'about __proto__ and constructor.prototype',
      }),
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect(hasPrototypeKey('{"constructor":"a","b":{"constructor":{"name":"x"}}}')).toBe(false);
  });

  it('leaves malformed JSON to tRPC (its parse error), whatever it holds', async () => {
    const res = await post('/trpc/auth.register', '{"__proto__":');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).not.toMatch(/forbidden key/);
  });

  it('refuses as REST does', async () => {
    const { text } = signUpText((f) => `{"__proto__":{"x":1},"user":{${f}}}`);
    const res = await post('/api/users', text);
    expect(res.statusCode).toBe(422);
  });
});
