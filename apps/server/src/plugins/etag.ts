// Conditional GETs for public answers: an ETag from the answer's bytes, and 304 Not Modified when
// the client already holds them. Readers polling the tag list or an article then get an empty
// answer instead of the same JSON again. Answers marked no-store (anything about a signed-in user)
// get no ETag: a shared cache must not keep them, and a validator would only invite it to.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Weak, because compression changes the bytes on the wire but not what they mean (RFC 9110
 * 8.8.1). SHA-1 is enough for telling two answers apart; this is not a security boundary.
 */
export function etagOf(body: string | Buffer): string {
  return `W/"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** If-None-Match holds a list of tags, or `*`; weak comparison ignores the W/ prefix. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}

/** The same address answers differently signed in (and then with no-store): caches must key on it. */
export const PUBLIC_VARY = ['authorization', 'cookie'];

/**
 * An onSend hook: add it where the answer's cache-control is already decided (after the hook that
 * marks personal answers no-store), so it can tell public answers from private ones. A callback
 * hook, as every hook on the way of a cached answer: an async one makes a promise and waits a
 * turn for it on every answer.
 */
export function conditionalGet(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: Error | null, payload: unknown) => void,
): void {
  done(null, conditionalPayload(request, reply, payload));
}

/** The payload to send: the answer's own, or none for a 304. */
function conditionalPayload(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  if (request.method !== 'GET' && request.method !== 'HEAD') return payload;
  if (reply.statusCode !== 200) return payload;
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload; // streams
  if (/no-store/.test(String(reply.getHeader('cache-control') ?? ''))) return payload;

  // An answer served whole from the cache (answer-cache.ts) carries the tag of its bytes already.
  const etag = (reply.getHeader('etag') as string | undefined) ?? etagOf(payload);
  reply.header('etag', etag);
  // Kept, but checked with the server on every use: the data changes whenever someone writes.
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
  appendVary(reply, PUBLIC_VARY);
  if (!matches(request.headers['if-none-match'], etag)) return payload;
  reply.code(304);
  reply.removeHeader('content-length');
  reply.removeHeader('content-type');
  return '';
}

/** Vary values made, by the names added and the value they were added to. */
const merged = new WeakMap<readonly string[], Map<string, string>>();
/** Only our own hooks and plugins set Vary, so its values are few; a bound all the same. */
const KEPT_VARIES = 64;

/**
 * Adds `names` to the reply's Vary, each once. The result is kept for the value it was added to:
 * every public answer goes through here, and a tRPC answer's Vary (`trpc-accept, accept`) took
 * splitting and comparing again each time, a few tenths of a microsecond of a cached answer.
 */
export function appendVary(reply: FastifyReply, names: readonly string[]): void {
  const present = String(reply.getHeader('vary') ?? '');
  let byPresent = merged.get(names);
  if (byPresent === undefined) {
    byPresent = new Map();
    merged.set(names, byPresent);
  }
  let vary = byPresent.get(present);
  if (vary === undefined) {
    vary = varyWith(present, names);
    if (byPresent.size < KEPT_VARIES) byPresent.set(present, vary);
  }
  if (vary !== present) reply.header('vary', vary);
}

function varyWith(present: string, names: readonly string[]): string {
  const have = present
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const missing = names.filter(
    (name) => !have.some((known) => known.toLowerCase() === name || known === '*'),
  );
  return missing.length > 0 ? [...have, ...missing].join(', ') : present;
}
