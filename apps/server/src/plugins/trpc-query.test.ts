// trpcQuery reads a query string as tRPC does (a URL's searchParams), though it starts from
// Fastify's parse: checked on generated query strings full of escapes, good and bad.
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStringParser } from '../query-string';
import { trpcQuery } from './trpc-query';

/** The names every comparison reads, beside those the query holds. */
const NAMES = ['input', 'batch', 'connectionParams', '__proto__', 'constructor', 'toString', 'a b'];

let app: FastifyInstance;
beforeAll(async () => {
  // With the server's own router parse (query-string.ts), which trpcQuery starts from.
  app = Fastify({ logger: false, routerOptions: { querystringParser: queryStringParser() } });
  // What each reader makes of the query: ours, and tRPC's (node-http's createURL).
  app.get('/q', async (request) => {
    const expected = new URL(request.url, 'http://localhost').searchParams;
    const actual = trpcQuery(request);
    const names = new Set([...NAMES, ...expected.keys()]);
    const read = (query: Pick<URLSearchParams, 'get' | 'getAll' | 'has'>) =>
      [...names].map((name) => [name, query.get(name), query.getAll(name), query.has(name)]);
    return { actual: read(actual), expected: read(expected) };
  });
  await app.ready();
});
afterAll(() => app.close());

async function readBoth(query: string) {
  const res = await app.inject({ url: `/q?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { actual: unknown; expected: unknown };
}

describe('trpcQuery', () => {
  it.each([
    ['an encoded JSON input', `input=${encodeURIComponent('{"username":"ada lovelace"}')}`],
    ['a plus for a space', 'input=%7B%22q%22%3A%22a+b%22%7D'],
    ['an encoded plus', 'input=a%2Bb'],
    ['a repeated name', 'input=1&input=2&batch=1'],
    ['a malformed escape', 'input=%7B%22q%22%3A%22%ZZ%22%7D'],
    ['an escape that is not UTF-8', 'input=%FF%7B%7D'],
    ['a truncated escape', 'input=%E2%82'],
    ['an encoded percent sign', 'input=%2525'],
    ['an encoded name', 'inp%75t=1'],
    ['a name without a value', 'batch&input'],
    ['prototype names', '__proto__=1&constructor=2'],
    ['an empty query', ''],
    ['a query that starts with a question mark', '?input=1'],
    ['a fragment', 'input=1#input=2'],
  ])('reads %s as tRPC does', async (_, query) => {
    const { actual, expected } = await readBoth(query);
    expect(actual).toEqual(expected);
  });

  it('reads generated query strings as tRPC does', async () => {
    const piece = fc.oneof(
      fc.constantFrom(
        ...['input', 'batch', '=', '&', '+', '%', '%2', '%25', '%2B', '%26', '%3D', '%7B', '%22'],
        ...['%FF', '%C3%A9', '%E2%82', '%ED%A0%80', '%F0%9F%98%80', '__proto__', 'constructor'],
      ),
      // What a request line can carry (no space or control character), `#` included.
      fc.stringMatching(/^[\w.~!$'()*,;:@/?#"<>[\]{}|\\^`-]{1,4}$/),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (pieces) => {
        const { actual, expected } = await readBoth(pieces.join(''));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('gives a new array each time, as URLSearchParams does', async () => {
    let first: string[] = [];
    let second: string[] = [];
    const probe = Fastify({ logger: false });
    probe.get('/q', async (request) => {
      first = trpcQuery(request).getAll('input');
      first.push('added');
      second = trpcQuery(request).getAll('input');
      return null;
    });
    await probe.inject({ url: '/q?input=1&input=2' });
    await probe.close();
    expect(first).toEqual(['1', '2', 'added']);
    expect(second).toEqual(['1', '2']);
  });
});
