// Compressed responses (Brotli or gzip, as the client accepts) for text over 1 KiB: JSON from tRPC
// and /api, the web app's HTML, JavaScript, CSS and SVG, the docs. Registered before the routes:
// it attaches to each route as it is declared.
import compress from '@fastify/compress';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Content types worth compressing. Never text/event-stream: a compressor holds bytes back until
 * it has a block's worth, so live comments (tRPC subscriptions over SSE) would arrive late or not
 * at all.
 */
export const COMPRESSIBLE =
  /^(?:text\/(?!event-stream)[\w.+-]+|application\/(?:[\w.+-]+\+)?(?:json|javascript|xml)|image\/svg\+xml)\s*(?:;|$)/i;

/** Below this many bytes the saving does not pay for the work (and headers). */
const THRESHOLD_BYTES = 1024;

const plugin: FastifyPluginAsync = async (app) => {
  await app.register(compress, {
    globalCompression: true,
    // Request bodies are not decompressed: clients send small JSON, and a compressed body is a
    // way to make the server inflate far more than BODY_LIMIT_BYTES arrived as.
    globalDecompression: false,
    // Brotli (at the plugin's quality 4, fast) first, gzip for the rest; deflate is ambiguous.
    encodings: ['br', 'gzip'],
    threshold: THRESHOLD_BYTES,
    customTypes: COMPRESSIBLE,
  });

  // tRPC answers with a fetch Response whose body is a stream, even when the JSON is already one
  // string, and the plugin compresses every stream whatever its size (it cannot know it). Most
  // answers are small: buffered, they are measured against the threshold and small ones are sent
  // as they are (a Brotli stream per small answer cost about a quarter of the throughput of
  // tag.list in a quick measurement). Streamed batches (`trpc-accept: application/jsonl`) and
  // event streams stay streams.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!(payload instanceof Response)) return payload;
    const type = payload.headers.get('content-type') ?? '';
    if (
      !type.startsWith('application/json') ||
      request.headers['trpc-accept'] === 'application/jsonl'
    ) {
      return payload;
    }
    reply.code(payload.status);
    for (const [name, value] of payload.headers) reply.header(name, value);
    // As text: one chunk with the headers (send-json-text.ts).
    return payload.text();
  });
};

export const compressionPlugin = fp(plugin, { name: 'compression' });
