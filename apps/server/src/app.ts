// Builds the HTTP application without listening: main.ts listens, tests use app.inject().
import { randomUUID } from 'node:crypto';
import { createDb, type DbConnection } from '@conduit/db';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config';
import { errorsPlugin } from './plugins/errors';
import { healthPlugin } from './plugins/health';
import { trpcPlugin } from './plugins/trpc';

export interface AppDeps {
  /**
   * An open, migrated database. When given, the caller owns it (tests share one per worker);
   * otherwise the app opens one from the configuration, migrates it and closes it on close.
   */
  database?: DbConnection;
}

/** Incoming request ids are kept (to follow a request through a proxy) only when they look like ids. */
const REQUEST_ID = /^[\w.-]{1,64}$/;

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Credentials never reach the logs, whatever a future log line includes.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        censor: '[redacted]',
      },
    },
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    // tRPC batches name every procedure in the path ("tag.list,article.list,...").
    routerOptions: { maxParamLength: 5000 },
  });

  const database = deps.database ?? (await openDatabase(config));
  if (!deps.database) app.addHook('onClose', () => database.close());

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorsPlugin);
  await app.register(healthPlugin, { database });
  await app.register(trpcPlugin, {
    prefix: '/trpc',
    db: database.db,
    maxBatchSize: config.trpcMaxBatchSize,
    exposeErrors: config.env === 'development',
  });
  return app;
}

async function openDatabase(config: Config): Promise<DbConnection> {
  const database = await createDb(config.database);
  try {
    await database.migrate();
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
