// Mounts the tRPC router through the official Fastify adapter.
import { type AppRouter, appRouter, createTRPCContext } from '@conduit/api';
import type { Database } from '@conduit/db';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync } from 'fastify';

export interface TrpcPluginOptions {
  db: Database;
  maxBatchSize: number;
  exposeErrors: boolean;
}

export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (app, opts) => {
  await app.register(fastifyTRPCPlugin, {
    trpcOptions: {
      router: appRouter,
      // Batching on, bounded: one HTTP request cannot fan out into unbounded work.
      allowBatching: true,
      maxBatchSize: opts.maxBatchSize,
      createContext: ({ req }) =>
        createTRPCContext({
          db: opts.db,
          exposeErrors: opts.exposeErrors,
          meta: { requestId: req.id, ip: req.ip, userAgent: req.headers['user-agent'] },
        }),
      onError: ({ error, path, req }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          req.log.error({ err: error, path }, 'procedure failed');
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });
};
