// Mounts the tRPC router: queries and mutations through our lean transport (trpc-lean.ts), the
// rest of the protocol through the official Fastify adapter's handler.
import { type AppRouter, appRouter, classifyFailure } from '@conduit/api';
import { reportError } from '@conduit/telemetry';
import {
  type FastifyTRPCPluginOptions,
  fastifyRequestHandler,
} from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync } from 'fastify';
import { contextForRequest, type SharedContextOptions } from '../context';
import { conditionalGet } from './etag';
import { refusePrototypeKeys } from './trpc-json-guard';
import { leanTransport } from './trpc-lean';

export interface TrpcPluginOptions extends SharedContextOptions {
  maxBatchSize: number;
  /** 'official' sends every request through tRPC's own handler (TRPC_TRANSPORT; decision 035). */
  transport: 'lean' | 'official';
}

/** Areas whose answers are about one person: never stored by a browser or a shared cache. */
const PRIVATE_AREAS = ['auth.', 'user.', 'admin.'];

export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (app, opts) => {
  const { maxBatchSize, transport, ...shared } = opts;
  // Runs after the root hook that turns tRPC's Response into bytes with its headers (compression),
  // so it sees the no-store that responseMeta sets on personal answers.
  app.addHook('onSend', conditionalGet);
  // tRPC answers some refusals made before any procedure runs (no content type, a batch mixing
  // kinds) as a Response of JSON text without a type, which defaults to text/plain: say JSON.
  // Its event streams say `Connection: keep-alive`, which HTTP/2 (TLS_CERT_FILE) forbids: Node
  // drops it with a warning, so it is dropped here.
  // A callback hook, as the prototype-key guard's: an async one makes a promise on every answer.
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (!(payload instanceof Response)) return done(null, payload);
    const untyped = payload.headers.get('content-type')?.startsWith('text/plain');
    const hopByHop = request.raw.httpVersionMajor === 2 && payload.headers.has('connection');
    if (!untyped && !hopByHop) return done(null, payload);
    const headers = new Headers(payload.headers);
    if (untyped) headers.set('content-type', 'application/json');
    if (hopByHop) headers.delete('connection');
    done(null, new Response(payload.body, { status: payload.status, headers }));
  });
  refusePrototypeKeys(app);
  // Bodies reach tRPC as text, as its own plugin sets up: it parses them itself.
  app.removeContentTypeParser(['application/json', 'multipart/form-data']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser('multipart/form-data', (_request, body, done) => done(null, body));
  const trpcOptions = {
    router: appRouter,
    // Batching on, bounded: one HTTP request cannot fan out into unbounded work.
    allowBatching: true,
    maxBatchSize,
    createContext: ({ req, res }) => contextForRequest(req, res, shared),
    responseMeta: ({ ctx, paths, errors }) => {
      const headers: Record<string, string> = {};
      const personal =
        ctx?.viewer || paths?.some((path) => PRIVATE_AREAS.some((area) => path.startsWith(area)));
      if (personal) headers['cache-control'] = 'no-store';
      const retryAfter = errors
        .map(classifyFailure)
        .find((failure) => failure.kind === 'rate_limited' && failure.retryAfterSeconds);
      if (retryAfter?.kind === 'rate_limited' && retryAfter.retryAfterSeconds) {
        headers['retry-after'] = String(retryAfter.retryAfterSeconds);
      }
      return { headers };
    },
    onError: ({ error, path, req }) => {
      if (error.code !== 'INTERNAL_SERVER_ERROR') return;
      req.log.error({ err: error, path }, 'procedure failed');
      void reportError(error, { surface: 'trpc', requestId: req.id, path });
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];
  const lean = transport === 'lean' ? leanTransport(trpcOptions) : undefined;
  // Not an async handler: one must return the reply it sent, and awaiting the reply (a thenable)
  // waits for the response to be written, with listeners on the socket, for every call.
  app.all<{ Params: { path: string } }>('/:path', (req, reply) => {
    const { path } = req.params;
    const answer = async () => {
      if (lean && (await lean(req, reply, path))) return;
      await fastifyRequestHandler({ ...trpcOptions, req, res: reply, path });
    };
    answer().catch((error: unknown) => reply.send(error));
  });
};
