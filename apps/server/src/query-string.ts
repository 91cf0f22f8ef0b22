// The router's query string parser: the one Fastify's router uses by default (fast-querystring),
// with its results kept by the raw query string. Readers ask the same few addresses again and
// again, and a tRPC query carries its input percent-encoded (`?input=%7B%22username%22…`):
// decoding it again on every request was about 1 µs of a cached tRPC answer's server CPU, which a
// REST address (`/api/profiles/name`) does not pay. Each request gets its own copy, so a route
// that changes its query (schema coercion, defaults) changes nobody else's.
import { parse } from 'fast-querystring';

/** As the router's parse: an object without a prototype chain to reach (no `toString`). */
type Query = Record<string, string | string[]>;

const Empty = function Empty() {} as unknown as { new (): Query };
Empty.prototype = Object.create(null);

/**
 * Query strings kept, and the longest kept: a bound on the memory (a few megabytes at most),
 * whatever clients send. A stream of new query strings only pushes the oldest out.
 */
export const KEPT_QUERIES = 1024;
export const KEPT_QUERY_LENGTH = 2048;

export interface QueryStringParser {
  (query: string): Query;
  /** How many query strings are kept now. */
  kept(): number;
}

export function queryStringParser(limit = KEPT_QUERIES): QueryStringParser {
  const kept = new Map<string, Query>();
  const parser = (query: string): Query => {
    // The router's own answer to an empty query: a plain object.
    if (query.length === 0) return {};
    if (query.length > KEPT_QUERY_LENGTH) return parse(query) as Query;
    let parsed = kept.get(query);
    if (parsed === undefined) {
      parsed = parse(query) as Query;
      // The oldest goes first (a Map iterates in insertion order).
      if (kept.size >= limit) kept.delete(kept.keys().next().value as string);
      kept.set(query, parsed);
    }
    const copy = new Empty();
    for (const name in parsed) {
      const value = parsed[name] as string | string[];
      copy[name] = typeof value === 'string' ? value : [...value];
    }
    return copy;
  };
  return Object.assign(parser, { kept: () => kept.size });
}
