// Compressed responses (Brotli or gzip, as the client accepts) for text over 1 KiB: JSON from tRPC
// and /api, the web app's HTML, JavaScript, CSS and SVG, the docs. Registered before the routes:
// it attaches to each route as it is declared.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import negotiator from '@fastify/accept-negotiator';
import compress from '@fastify/compress';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { appendVary } from './etag';

/**
 * Content types worth compressing. Never text/event-stream: a compressor holds bytes back until
 * it has a block's worth, so live comments (tRPC subscriptions over SSE) would arrive late or not
 * at all.
 */
export const COMPRESSIBLE =
  /^(?:text\/(?!event-stream)[\w.+-]+|application\/(?:[\w.+-]+\+)?(?:json|javascript|xml)|image\/svg\+xml)\s*(?:;|$)/i;

/** Below this many bytes the saving does not pay for the work (and headers). */
export const THRESHOLD_BYTES = 1024;

/** Brotli (at quality 4: fast) first, gzip for the rest; deflate is ambiguous. */
const ENCODINGS = ['br', 'gzip'] as const;
export type Encoding = (typeof ENCODINGS)[number];
const BROTLI = {
  params: {
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    [constants.BROTLI_PARAM_QUALITY]: 4,
  },
};

/**
 * The encoding the plugin would choose for a compressible answer to this request, or undefined
 * for none (negotiated as @fastify/compress does: `*` and `x-gzip` read as gzip, q-values
 * honoured, `x-no-compression` honoured).
 */
export function encodingFor(request: FastifyRequest): Encoding | undefined {
  const header = request.headers['accept-encoding'];
  if (header === undefined || request.headers['x-no-compression'] !== undefined) return undefined;
  const accepted = header.toLowerCase().replace(/\*|x-gzip/g, 'gzip');
  return (negotiator.negotiate(accepted, [...ENCODINGS]) as Encoding | null) ?? undefined;
}

/** The bytes the plugin would send for `body` in `encoding`, with the same settings. */
export function compressed(body: string | Buffer, encoding: Encoding): Buffer {
  return encoding === 'br' ? brotliCompressSync(body, BROTLI) : gzipSync(body);
}

const plugin: FastifyPluginAsync = async (app) => {
  await app.register(compress, {
    globalCompression: true,
    // Request bodies are not decompressed: clients send small JSON, and a compressed body is a
    // way to make the server inflate far more than BODY_LIMIT_BYTES arrived as.
    globalDecompression: false,
    encodings: [...ENCODINGS],
    brotliOptions: BROTLI,
    threshold: THRESHOLD_BYTES,
    customTypes: COMPRESSIBLE,
  });

  // tRPC answers with a fetch Response whose body is a stream, even when the JSON is already one
  // string, and the plugin compresses every stream whatever its size (it cannot know it). Most
  // answers are small: buffered, they are measured against the threshold and small ones are sent
  // as they are (a Brotli stream per small answer cost about a quarter of the throughput of
  // tag.list in a quick measurement). Streamed batches (`trpc-accept: application/jsonl`) and
  // event streams stay streams.
  // A callback hook: an async one makes a promise and waits a turn for it on every answer, where
  // most answers are not a Response at all.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!(payload instanceof Response)) {
      varyOnEncoding(reply, payload);
      return done(null, payload);
    }
    const type = payload.headers.get('content-type') ?? '';
    if (
      !type.startsWith('application/json') ||
      request.headers['trpc-accept'] === 'application/jsonl'
    ) {
      return done(null, payload);
    }
    reply.code(payload.status);
    for (const [name, value] of payload.headers) reply.header(name, value);
    // As text: one chunk with the headers (send-json-text.ts).
    payload.text().then(
      (text) => {
        varyOnEncoding(reply, text);
        done(null, text);
      },
      (error: Error) => done(error),
    );
  });
};

const ENCODING_VARY = ['accept-encoding'];

/**
 * Says `Vary: accept-encoding` on an answer the plugin would compress for a client that asks
 * (compressible, and over the threshold or a stream), whatever this client asked: the plugin says
 * it only when it compresses, so a plain answer told a shared cache that it may give those same
 * bytes to everyone (RFC 9110, 12.5.5). Small answers do not vary: they are never compressed.
 * Runs before the plugin's own hook, which then finds the name there and leaves it.
 */
function varyOnEncoding(reply: FastifyReply, payload: unknown): void {
  if (payload === null || payload === undefined || reply.hasHeader('content-encoding')) return;
  // The plugin's reading of an answer without a type.
  const type = String(reply.getHeader('content-type') ?? 'application/json');
  if (!COMPRESSIBLE.test(type)) return;
  // A string's bytes are at least its length: a long one is not measured (every answer, whole
  // answers from the cache included, comes through here).
  const small =
    typeof payload === 'string'
      ? payload.length < THRESHOLD_BYTES && Buffer.byteLength(payload) < THRESHOLD_BYTES
      : Buffer.isBuffer(payload) && payload.length < THRESHOLD_BYTES;
  if (!small) appendVary(reply, ENCODING_VARY);
}

export const compressionPlugin = fp(plugin, { name: 'compression' });
