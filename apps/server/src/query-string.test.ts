// The router's query string parser keeps its results, and must answer exactly as the parse it
// keeps (fast-querystring, the router's default) on any query string, with a copy of its own
// for every request.
import fc from 'fast-check';
import { parse } from 'fast-querystring';
import { describe, expect, it } from 'vitest';
import { KEPT_QUERY_LENGTH, queryStringParser } from './query-string';

/** Names and values, own properties in order, arrays as arrays, and no prototype to reach. */
function shape(query: Record<string, unknown>) {
  return {
    entries: Object.entries(query),
    inherits: ['toString', 'hasOwnProperty', 'constructor'].filter((name) => name in query),
  };
}

/** Pieces of a query string: escapes good and bad, `+`, separators, prototype names, non-ASCII. */
const piece = fc.constantFrom(
  'a',
  'input',
  'batch',
  '__proto__',
  'constructor',
  '=',
  '&',
  '+',
  '%',
  '%2',
  '%25',
  '%7B%22a%22%3A1%7D',
  '%C3%A9',
  '%C3',
  '%FF',
  '%E2%82%AC',
  'é',
  '?',
  '#',
  '0',
);
const queryString = fc.array(piece, { maxLength: 24 }).map((pieces) => pieces.join(''));

describe('queryStringParser', () => {
  it('answers as fast-querystring on generated query strings, asked once and again', () => {
    const parser = queryStringParser();
    fc.assert(
      fc.property(queryString, (query) => {
        const expected = shape(query.length === 0 ? {} : parse(query));
        expect(shape(parser(query))).toEqual(expected);
        expect(shape(parser(query))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('gives each request a copy of its own: changing one changes no later answer', () => {
    const parser = queryStringParser();
    const first = parser('tag=a&tag=b&limit=10');
    first.limit = '20';
    (first.tag as string[]).push('c');
    first.extra = 'x';
    expect(shape(parser('tag=a&tag=b&limit=10'))).toEqual({
      entries: [
        ['tag', ['a', 'b']],
        ['limit', '10'],
      ],
      inherits: [],
    });
  });

  it('keeps at most its limit of query strings, and none too long to keep', () => {
    const parser = queryStringParser(3);
    for (const n of [1, 2, 3, 4, 5]) expect(parser(`n=${n}`)).toEqual({ n: String(n) });
    expect(parser.kept()).toBe(3);
    const long = `input=${'x'.repeat(KEPT_QUERY_LENGTH)}`;
    expect(parser(long).input).toBe('x'.repeat(KEPT_QUERY_LENGTH));
    expect(parser.kept()).toBe(3);
    // The dropped ones still parse, now kept again in place of the oldest.
    expect(parser('n=1')).toEqual({ n: '1' });
    expect(parser.kept()).toBe(3);
  });
});
