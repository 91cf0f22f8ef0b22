// Whole answers to anonymous reads, kept in the hot-read cache's in-process tier (decision 043):
// an article, a list page, a profile or the tag list asked again by anyone signed out is answered
// with the bytes made the first time, before context, procedure, validation or serialisation run.
// They are kept under the tags of the cached reads they were made from, so a write that changes
// any of them drops the answer with the reads, on every instance, before it is acknowledged; and
// an answer whose reads raced a write is not kept (cache.ts, AnswerCache).
//
// Only reads made wholly of cached reads qualify, named here; the hooks of the rest of the chain
// (security headers, ETag and 304, compression, metrics, logs) run on a hit as on any answer, and
// the rate limit before it.
import type { AnswerCache, AnswerWatch, CacheStore } from '@conduit/api';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { compressed, type Encoding, encodingFor, THRESHOLD_BYTES } from './compression';
import { etagOf } from './etag';
import { sendJsonText } from './send-json-text';

export interface AnswerCacheOptions {
  answers: AnswerCache;
  /** The session cookie's name: a request carrying it may be signed in. */
  sessionCookie: string;
}

/** tRPC procedures whose anonymous answer is made only of cached reads. */
const TRPC_READS = new Set([
  'article.get',
  'article.view',
  'article.list',
  'profile.get',
  'tag.list',
]);
/** REST routes likewise (GET, under /api). */
const REST_READS = new Set([
  '/api/articles',
  '/api/articles/:slug',
  '/api/profiles/:username',
  '/api/tags',
]);

const TRPC_PARAMETERS = new Set(['input', 'batch']);
/** Those of the list (`GET /api/articles`); the other routes take none. */
const REST_PARAMETERS = new Set(['tag', 'author', 'limit', 'offset']);

export interface Kept {
  body: string | Buffer;
  contentType: string | undefined;
  vary: string | undefined;
  /** The body's ETag, made once: every hit would hash the same bytes again (etag.ts). */
  etag: string;
  /** The body's length in bytes. */
  size: number;
  /**
   * The body compressed, per encoding, made on the first hit that asks for it: a browser accepts
   * Brotli, and compressing a list page again on every hit cost more than the rest of the hit.
   */
  encoded: Partial<Record<Encoding, Buffer>>;
}

/** The kept body in `encoding`: compressed on the first call, the same bytes after. */
export function keptIn(kept: Kept, encoding: Encoding, compress = compressed): Buffer {
  let bytes = kept.encoded[encoding];
  if (!bytes) {
    bytes = compress(kept.body, encoding);
    kept.encoded[encoding] = bytes;
  }
  return bytes;
}

const watchOf = Symbol('answer watch');
/** A request whose answer may be kept: under which key, and the watch its reads go through. */
interface Watched {
  key: string;
  watch: AnswerWatch;
}
type Marked = FastifyRequest & { [watchOf]?: Watched };

/**
 * The store a request's procedures read through: the watched one while its answer may be kept
 * (so that the tags of its reads are noted), else `shared`.
 */
export function cacheFor(
  request: FastifyRequest,
  shared: CacheStore | undefined,
): CacheStore | undefined {
  return (request as Marked)[watchOf]?.watch.store ?? shared;
}

/**
 * The key of an anonymous GET, under which its answer may have been kept, or undefined when the
 * request may be signed in. Only a request `keepable` has its answer kept, so a key found is one
 * whose request was keepable: the same address and Accept make the same route and query.
 */
function answerKey(request: FastifyRequest, sessionCookie: RegExp): string | undefined {
  if (request.method !== 'GET') return undefined;
  const { headers } = request;
  // Signed in, or may be: answers carry the viewer's own flags. A streamed batch is another format.
  if (headers.authorization !== undefined || headers['trpc-accept'] !== undefined) return undefined;
  if (headers.cookie !== undefined && sessionCookie.test(headers.cookie)) return undefined;
  return `${request.url}\n${headers.accept ?? ''}`;
}

/** Whether the answer of a request with a key is made only of cached reads, and may be kept. */
function keepable(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route === '/trpc/:path') {
    const { path } = request.params as { path: string };
    if (!path.split(',').every((name) => TRPC_READS.has(name))) return false;
  } else if (!(route !== undefined && REST_READS.has(route))) return false;
  // Lists of what someone favorited are not cached: they change with every favorite.
  if (/favorited/i.test(request.url)) return false;
  // Only the parameters the read takes: a made-up one per request would fill the tier with
  // copies of one answer, pushing out what readers use.
  // (The query as Fastify parsed it while routing.)
  const known = route === '/trpc/:path' ? TRPC_PARAMETERS : REST_PARAMETERS;
  for (const name in request.query as Record<string, unknown>) if (!known.has(name)) return false;
  return true;
}

const plugin: FastifyPluginAsync<AnswerCacheOptions> = async (app, { answers, sessionCookie }) => {
  const session = new RegExp(`(?:^|;\\s*)${sessionCookie.replace(/[^\w-]/g, '\\$&')}=`);

  // After the rate limit (registered before this plugin), before the body or context. A callback
  // hook: an async one would have to return the reply it sent, and awaiting a reply (a thenable)
  // waits for the response to be written, with listeners on the socket, on every hit.
  app.addHook('onRequest', (request: Marked, reply, done) => {
    const key = answerKey(request, session);
    if (key === undefined) return done();
    const kept = answers.get(key) as Kept | undefined;
    if (kept) {
      if (kept.contentType) reply.header('content-type', kept.contentType);
      if (kept.vary) reply.header('vary', kept.vary);
      reply.header('etag', kept.etag);
      const encoding = encodingFor(request);
      // As the compression plugin would answer (it leaves an answer it finds encoded alone). The
      // kept Vary names accept-encoding already when the answer is that large (compression.ts
      // says it on plain answers too), and the ETag hook adds the public names on a hit as on a
      // miss. A conditional GET goes the plain way, to its 304.
      const conditional = request.headers['if-none-match'] !== undefined;
      if (encoding && !conditional && kept.size >= THRESHOLD_BYTES) {
        const bytes = keptIn(kept, encoding);
        reply.header('content-encoding', encoding);
        reply.send(bytes);
      } else if (typeof kept.body === 'string') sendJsonText(reply, kept.body);
      else reply.send(kept.body);
      return; // answered: the rest of the chain is not run (done is not called)
    }
    const watch = keepable(request) ? answers.watch() : undefined;
    if (watch) request[watchOf] = { key, watch };
    done();
  });

  // A callback hook, as the one above.
  app.addHook('onSend', (request: Marked, reply, payload, done) => {
    const watched = request[watchOf];
    if (watched !== undefined && reply.statusCode === 200) keepAnswer(watched, reply, payload);
    done(null, payload);
  });
};

function keepAnswer(watched: Watched, reply: FastifyReply, payload: unknown): void {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return;
  const kept: Kept = {
    body: payload,
    contentType: reply.getHeader('content-type')?.toString(),
    vary: reply.getHeader('vary')?.toString(),
    etag: etagOf(payload),
    size: Buffer.byteLength(payload),
    encoded: {},
  };
  watched.watch.keep(watched.key, kept);
}

export const answerCachePlugin = fp(plugin, { name: 'conduit-answer-cache' });
