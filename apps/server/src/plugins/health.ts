// Liveness and readiness for load balancers and orchestrators.
import type { DbConnection } from '@conduit/db';
import type { FastifyPluginAsync } from 'fastify';

/** A readiness probe must answer quickly even when the database hangs. */
const READY_TIMEOUT_MS = 2000;

export const healthPlugin: FastifyPluginAsync<{ database: DbConnection }> = async (
  app,
  { database },
) => {
  // Alive: the process serves requests. Says nothing about dependencies, so it never flaps with them.
  app.get('/healthz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  // Ready: the database answers. A load balancer stops sending traffic while it does not. Read
  // replicas are listed with their state and lag, but readiness does not hang on them: their
  // reads go to the primary while they are out (decision 039).
  app.get('/readyz', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const replicas = replicasOf(database);
    try {
      await withTimeout(database.ping(), READY_TIMEOUT_MS);
      return { status: 'ready', database: 'ok', ...replicas };
    } catch (error) {
      request.log.warn({ err: error }, 'database not reachable');
      return reply
        .status(503)
        .send({ status: 'unavailable', database: 'unreachable', ...replicas });
    }
  });
};

/** Each replica as of its last poll: where it is (never its credentials), state, lag, why it is out. */
function replicasOf(database: DbConnection) {
  if (!database.replicas) return {};
  return {
    replicas: database.replicas.status().map((replica) => ({
      replica: replica.index,
      server: replica.server,
      state: replica.state,
      lagMs: replica.lagMs ?? null,
      ...(replica.reason ? { reason: replica.reason } : {}),
    })),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
