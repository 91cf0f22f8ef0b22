// Starts the server: configuration, tracing, database (migrated), HTTP, and a clean stop on
// SIGTERM/SIGINT. The app is imported only once tracing has started (see telemetry/sdk.ts).
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { reportError, setErrorReporter } from '@conduit/telemetry';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { isPrimary, superviseWorkers } from './cluster';
import { leaveParent } from './cluster-leave';
import { failStartup } from './cluster-start';
import { type Config, ConfigError, loadConfig } from './config';
import { listenStartupError, startupFailureLine } from './startup-failure';
import { loadErrorReporter } from './telemetry/error-reporter';
import { startTracing, type Tracing } from './telemetry/sdk';

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
  const errorReporter = config.errorReporter
    ? await loadErrorReporter(config.errorReporter)
    : undefined;
  const tracing = config.tracing ? await startTracing(config.tracing) : undefined;
  const { buildApp } = await import('./app');
  const app = await buildApp(config);
  if (errorReporter) {
    setErrorReporter(errorReporter, (failure) =>
      app.log.warn({ err: failure }, 'the error reporter (ERROR_REPORTER) failed'),
    );
  }
  reportCrashes(app.log, tracing);
  stopOnSignals(app, config, tracing);
  await app.listen({ port: config.port, host: config.host }).catch(async (error: unknown) => {
    await app.close();
    throw listenStartupError(config.host, config.port, error);
  });
}

/**
 * How long a stopping server behind a proxy leaves idle connections for the proxy to close: above
 * nginx's upstream keepalive_timeout in deploy/nginx/conduit.conf (2 s).
 */
const PROXY_IDLE_GRACE_MS = 3000;

/** Longest a stopping or crashing process waits for the last spans and the error report to go. */
const TELEMETRY_FLUSH_MS = 2000;

async function flush(tracing: Tracing | undefined, ...more: Promise<void>[]): Promise<void> {
  await Promise.race([
    Promise.all([tracing?.shutdown(), ...more]),
    delay(TELEMETRY_FLUSH_MS, undefined, { ref: false }),
  ]);
}

/**
 * A crash outside any request (an exception nothing caught, a rejection nothing handled) is
 * logged, reported to the error hook, and its trace sent, then the process exits 1 as Node would.
 */
function reportCrashes(log: FastifyBaseLogger, tracing: Tracing | undefined): void {
  const crash = async (error: unknown, origin: string) => {
    log.fatal({ err: error, origin }, 'crashed');
    await flush(tracing, reportError(error, { surface: 'process', origin }));
    process.exit(1);
  };
  process.once('uncaughtException', (error) => void crash(error, 'uncaughtException'));
  process.once('unhandledRejection', (reason) => void crash(reason, 'unhandledRejection'));
}

function stopOnSignals(app: FastifyInstance, config: Config, tracing: Tracing | undefined): void {
  const timeoutMs = config.shutdownTimeoutMs;
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
    if (config.trustProxy !== false) {
      leaveIdleConnectionsToProxy(app, Math.min(PROXY_IDLE_GRACE_MS, timeoutMs / 2));
    }
    stopListening(app);
    try {
      await app.close(); // waits for in-flight requests, then closes the database (onClose)
      await flush(tracing);
      app.log.info('stopped');
      // A WORKERS process keeps its channel to the primary open, and with it the event loop.
      leaveParent();
    } catch (error) {
      app.log.error({ err: error }, 'error while stopping');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * Node's server.close() closes idle keep-alive connections at once. Behind a proxy that keeps its
 * connections to us open for reuse (nginx's upstream keepalive) that races the proxy sending its
 * next request on one of them: the request meets a reset connection, and when it is a POST nginx
 * cannot know it was not carried out, so it does not retry it elsewhere and answers 502. So
 * behind a proxy (TRUST_PROXY set), a stopping server leaves idle connections for the proxy to
 * close, as it does once they idle past its keepalive_timeout; a request still arriving on one is
 * answered with `Connection: close` (Fastify does while closing). Any left after `graceMs` are
 * closed then. Without a proxy nothing waits, as before: clients talking to us directly retry a
 * request that fails on a reused connection (browsers, and fetch for idempotent ones).
 */
function leaveIdleConnectionsToProxy(app: FastifyInstance, graceMs: number): void {
  const server = app.server;
  // An HTTP/2 server (TLS_CERT_FILE) has no such method: it is meant to face clients, not a proxy.
  if (typeof server.closeIdleConnections !== 'function') return;
  const closeIdleConnections = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {};
  setTimeout(closeIdleConnections, graceMs).unref();
}

/**
 * Closes the listening socket first, before Fastify's preClose hooks (live streams ended, the
 * LISTENs dropped: database round trips, longer under load). Fastify marks itself closing before
 * those hooks, and from then on every answer says `Connection: close`, so a proxy opens a new
 * connection for each request it still sends here. While the hooks ran the listener stayed open,
 * and the connections queued in it when it closed, their requests already sent, were reset by the
 * kernel (nginx: "recv() failed (104: Connection reset by peer) while reading response header
 * from upstream"): nginx retries a GET elsewhere, but answers a POST with 502. Closed first, a new
 * connection is refused, which nginx retries elsewhere for any method; the connections already
 * open are served and then drained by Fastify's close as before (its own server.close() waits for
 * them). What stays is the window of one turn of the event loop: a connection the kernel queued
 * after the loop last accepted, just before the signal.
 */
function stopListening(app: FastifyInstance): void {
  if (app.server.listening) app.server.close();
}

main().catch((error: unknown) => {
  // Start-up failed (database unreachable, port taken, ...): say what, in one line, and exit non-zero.
  failStartup(startupFailureLine(error));
});
