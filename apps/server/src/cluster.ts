// WORKERS=n: one primary process that serves nothing itself and keeps n server processes (node's
// cluster, sharing the port) running. Instances share only PostgreSQL and Redis, so any worker
// can answer any request. The primary:
// - replaces a worker that dies, unless workers die faster than they start (then it gives up,
//   so a broken deployment fails loudly instead of looping);
// - on SIGHUP restarts them one at a time, each new one listening before the old one stops
//   (a rolling restart with no refused connection);
// - on SIGTERM/SIGINT stops them all gracefully and exits 0 when they did.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config';

/** More unexpected exits than this within CRASH_WINDOW_MS: stop replacing and exit 1. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;

/** One JSON line like pino's, so the primary's lines sit among the workers' in the same log. */
function log(level: 'info' | 'warn' | 'error', msg: string, fields: object = {}): void {
  const levels = { info: 30, warn: 40, error: 50 };
  const line = { level: levels[level], time: Date.now(), pid: process.pid, msg, ...fields };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function superviseWorkers(config: Config): void {
  if (!config.redisUrl) {
    log(
      'warn',
      'WORKERS without REDIS_URL: rate limits are counted per worker, so each limit is that many times looser',
      { workers: config.workers },
    );
  }
  let stopping = false;
  const crashes: number[] = [];
  /** Workers being replaced on purpose (rolling restart): their exit is not a crash. */
  const retiring = new Set<Worker>();

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log('info', 'all workers stopped');
        process.exit(process.exitCode ?? 0);
      }
      return;
    }
    if (retiring.delete(worker)) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && (crashes[0] ?? now) < now - CRASH_WINDOW_MS) crashes.shift();
    if (crashes.length > MAX_CRASHES) {
      log('error', 'workers keep dying; giving up', { code, signal });
      stopAll(1);
      return;
    }
    log('warn', 'worker exited; starting another', { workerPid: worker.process.pid, code, signal });
    cluster.fork();
  });

  function stopAll(exitCode: number) {
    stopping = true;
    process.exitCode = exitCode;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    if (workers.length === 0) process.exit(exitCode);
    for (const worker of workers) worker.process.kill('SIGTERM');
    // Each worker bounds its own stop by SHUTDOWN_TIMEOUT_MS; this is the backstop.
    setTimeout(() => {
      log('error', 'workers did not stop in time');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, config.shutdownTimeoutMs + 2000).unref();
  }

  async function rollingRestart() {
    const old = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    log('info', 'rolling restart', { workers: old.length });
    for (const worker of old) {
      if (stopping) return;
      const replacement = cluster.fork();
      await new Promise<void>((resolve) => {
        replacement.once('listening', () => resolve());
        replacement.once('exit', () => resolve());
      });
      retiring.add(worker);
      worker.process.kill('SIGTERM');
      await new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    }
    log('info', 'rolling restart done');
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log('info', 'stopping workers', { signal });
      stopAll(0);
    });
  }
  process.on('SIGHUP', () => {
    void rollingRestart();
  });

  log('info', 'starting workers', { workers: config.workers });
  for (let n = 0; n < config.workers; n++) cluster.fork();
}

export const isPrimary = () => cluster.isPrimary;
