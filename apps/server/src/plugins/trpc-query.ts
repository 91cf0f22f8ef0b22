// A tRPC request's query decoded as tRPC decodes it (URLSearchParams), once per request: the
// prototype-key guard (trpc-json-guard.ts) and the lean transport (trpc-lean.ts) both read it.
// Not Fastify's parsed query: the two differ on malformed percent-encoding (Fastify leaves such a
// value undecoded, URLSearchParams decodes the rest of it), and a key hidden from the one would
// reach the other.
import type { FastifyRequest } from 'fastify';

const parsed = new WeakMap<FastifyRequest, URLSearchParams>();

export function trpcSearch(request: FastifyRequest): URLSearchParams {
  let search = parsed.get(request);
  if (!search) {
    const queryAt = request.url.indexOf('?');
    search = new URLSearchParams(queryAt === -1 ? '' : request.url.slice(queryAt + 1));
    parsed.set(request, search);
  }
  return search;
}
