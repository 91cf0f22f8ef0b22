// Mounts the tRPC router through the official Fastify adapter.
import {
  type AccountSettings,
  type AppRouter,
  type AuthLimits,
  appRouter,
  type CacheStore,
  type CommentEvents,
  RateLimitedError,
  type RateLimiter,
} from '@conduit/api';
import type { Database } from '@conduit/db';
import { reportError } from '@conduit/telemetry';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync } from 'fastify';
import { contextForRequest } from '../context';
import { conditionalGet } from './etag';
import type { SessionCookieSettings } from './session';
import { refusePrototypeKeys } from './trpc-json-guard';

export interface TrpcPluginOptions {
  db: Database;
  maxBatchSize: number;
  exposeErrors: boolean;
  cookie: SessionCookieSettings;
  limiter: RateLimiter;
  limits: AuthLimits;
  commentEvents: CommentEvents;
  cache: CacheStore;
  accounts: AccountSettings;
}

/** Areas whose answers are about one person: never stored by a browser or a shared cache. */
const PRIVATE_AREAS = ['auth.', 'user.', 'admin.'];

export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (app, opts) => {
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
      maxBatchSize: opts.maxBatchSize,
      createContext: ({ req, res }) =>
        contextForRequest(req, res, {
          db: opts.db,
          exposeErrors: opts.exposeErrors,
          cookie: opts.cookie,
          limiter: opts.limiter,
          limits: opts.limits,
          commentEvents: opts.commentEvents,
          cache: opts.cache,
          accounts: opts.accounts,
        }),
      responseMeta: ({ ctx, paths, errors }) => {
        const headers: Record<string, string> = {};
        const personal =
          ctx?.viewer || paths?.some((path) => PRIVATE_AREAS.some((area) => path.startsWith(area)));
        if (personal) headers['cache-control'] = 'no-store';
        const retryAfter = errors
          .map((error) => error.cause)
          .find((cause) => cause instanceof RateLimitedError);
        if (retryAfter)
          headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter.retryAfterMs / 1000)));
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
