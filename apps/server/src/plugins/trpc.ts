// Mounts the tRPC router through the official Fastify adapter.
import { type AppRouter, appRouter, classifyFailure } from '@conduit/api';
import { reportError } from '@conduit/telemetry';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync } from 'fastify';
import { contextForRequest, type SharedContextOptions } from '../context';
import { conditionalGet } from './etag';
import { refusePrototypeKeys } from './trpc-json-guard';

export interface TrpcPluginOptions extends SharedContextOptions {
  maxBatchSize: number;
}

/** Areas whose answers are about one person: never stored by a browser or a shared cache. */
const PRIVATE_AREAS = ['auth.', 'user.', 'admin.'];

export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (app, opts) => {
  const { maxBatchSize, ...shared } = opts;
  // Runs after the root hook that turns tRPC's Response into bytes with its headers (compression),
  // so it sees the no-store that responseMeta sets on personal answers.
  app.addHook('onSend', conditionalGet);
  // tRPC answers some refusals made before any procedure runs (no content type, a batch mixing
  // kinds) as a Response of JSON text without a type, which defaults to text/plain: say JSON.
  app.addHook('onSend', async (_request, _reply, payload) => {
    if (!(payload instanceof Response)) return payload;
    if (!payload.headers.get('content-type')?.startsWith('text/plain')) return payload;
    const headers = new Headers(payload.headers);
    headers.set('content-type', 'application/json');
    return new Response(payload.body, { status: payload.status, headers });
  });
  refusePrototypeKeys(app);
  await app.register(fastifyTRPCPlugin, {
    trpcOptions: {
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
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });
};
