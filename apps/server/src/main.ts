// Starts the server: configuration, database (migrated), HTTP, and a clean stop on SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { isPrimary, superviseWorkers } from './cluster';
import { type Config, ConfigError, loadConfig } from './config';

// A .env file in the working directory fills in variables the environment does not set.
if (existsSync('.env')) process.loadEnvFile('.env');

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }

  if (config.workers > 1 && isPrimary()) {
    superviseWorkers(config);
    return;
  }
  const app = await buildApp(config);
  stopOnSignals(app, config.shutdownTimeoutMs);
  await app.listen({ port: config.port, host: config.host });
}

function stopOnSignals(app: FastifyInstance, timeoutMs: number): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: no new connections, finishing requests in flight');
    // If something holds on, give up rather than hang: the orchestrator needs an answer.
    setTimeout(() => {
      app.log.error({ timeoutMs }, 'graceful stop timed out');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await app.close(); // waits for in-flight requests, then closes the database (onClose)
      app.log.info('stopped');
      // A WORKERS process keeps its channel to the primary open, and with it the event loop.
      if (process.connected) process.disconnect();
    } catch (error) {
      app.log.error({ err: error }, 'error while stopping');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  // Start-up failed (database unreachable, port taken, ...): say what, in one line, and exit non-zero.
  console.error(
    `Conduit failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
