// WORKERS=n: one primary process that serves nothing itself and keeps n server processes (node's
// cluster, sharing the port) running. Instances share only PostgreSQL and Redis, so any worker
// can answer any request. The primary:
// - exits 1 with the worker's one line if one fails to start, rather than replace it with
//   another that would fail alike (see cluster-start.ts);
// - replaces a worker that dies, unless workers die faster than they start (then it gives up,
//   so a broken deployment fails loudly instead of looping);
// - on SIGHUP restarts them one at a time, each new one listening before the old one stops
//   (a rolling restart with no refused connection);
// - on SIGTERM/SIGINT stops them all gracefully and exits 0 when they did;
// - answers the worker that took a /metrics scrape with every worker's figures added up.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Gauge, type Registry } from 'prom-client';
import { watchStart } from './cluster-start';
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

/**
 * /metrics under WORKERS, over the cluster's IPC channel: the worker that took the scrape asks the
 * primary (SCRAPE), which asks every listening worker for its own figures (COLLECT, answered with
 * COLLECTED) and sends the sum back (SCRAPED).
 */
const SCRAPE = 'conduit:metrics:scrape';
const COLLECT = 'conduit:metrics:collect';
const COLLECTED = 'conduit:metrics:collected';
const SCRAPED = 'conduit:metrics:scraped';

/** A worker slower than this to answer fails the scrape (Prometheus's default timeout is 10 s). */
const COLLECT_TIMEOUT_MS = 3000;

type Metrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
type Message =
  | { type: typeof SCRAPE; id: number }
  | { type: typeof COLLECT; id: number }
  | { type: typeof COLLECTED; id: number; metrics: Metrics }
  | { type: typeof SCRAPED; id: number; text?: string; error?: string };

function isMessage(value: unknown): value is Message {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type.startsWith('conduit:metrics:');
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
  gatherMetrics();
  const start = watchStart(config.workers, {
    failed(line) {
      if (stopping) return; // stopped while starting: not a failure
      process.stderr.write(`${line}\n`);
      log('error', 'a worker failed to start; stopping');
      stopAll(1);
    },
    later(worker, line) {
      log('error', 'a worker failed to start', { workerPid: worker.process.pid, reason: line });
    },
  });

  // A worker leaves cluster.workers once it has both exited and disconnected, in either order.
  const exitWhenAllGone = () => {
    if (!stopping || Object.keys(cluster.workers ?? {}).length > 0) return;
    log('info', 'all workers stopped');
    process.exit(process.exitCode ?? 0);
  };
  cluster.on('disconnect', exitWhenAllGone);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return exitWhenAllGone();
    if (start.starting()) return; // watchStart says why, once
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
    const workers = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => !!w && !w.isDead(),
    );
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

/**
 * In the primary: every worker's metrics, added up by prom-client (counters and histograms
 * summed, each metric's gauge as its `aggregator` says: the default is the sum). Only workers
 * that listen are asked: one still starting has no metrics to give and could not answer yet.
 */
function gatherMetrics() {
  const listening = new Set<Worker>();
  /** Collections under way: the workers still to answer, and what the others sent. */
  const collecting = new Map<number, { waiting: Set<Worker>; answers: Metrics[]; done(): void }>();
  let nextId = 0;

  /** A worker answered (with its metrics), or will not (stopped, or the channel failed). */
  function settle(id: number, worker: Worker, metrics?: Metrics) {
    const request = collecting.get(id);
    if (!request?.waiting.delete(worker)) return;
    if (metrics) request.answers.push(metrics);
    if (request.waiting.size === 0) request.done();
  }

  function collect(): Promise<Metrics[]> {
    const id = nextId++;
    const waiting = new Set([...listening].filter((worker) => worker.isConnected()));
    const answers: Metrics[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        collecting.delete(id);
        reject(new Error(`${waiting.size} worker(s) did not send their metrics in time`));
      }, COLLECT_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        collecting.delete(id);
        resolve(answers);
      };
      collecting.set(id, { waiting, answers, done });
      if (waiting.size === 0) done();
      for (const worker of [...waiting]) {
        send(worker, { type: COLLECT, id }, () => settle(id, worker));
      }
    });
  }

  async function scrape(worker: Worker, id: number) {
    let reply: Message;
    try {
      const answers = await collect();
      const registry = AggregatorRegistry.aggregate(answers);
      new Gauge({
        name: 'cluster_workers',
        help: 'Worker processes (WORKERS) whose figures this answer adds up',
        registers: [registry],
      }).set(answers.length);
      reply = { type: SCRAPED, id, text: await registry.metrics() };
    } catch (error) {
      reply = { type: SCRAPED, id, error: error instanceof Error ? error.message : String(error) };
    }
    send(worker, reply, () => {}); // gone meanwhile: nobody is waiting for it
  }

  /**
   * A worker that left (stopped, or died: 'disconnect' comes either way): its figures leave the
   * sum, as a restarted process's counters start again from 0.
   */
  function gone(worker: Worker) {
    listening.delete(worker);
    for (const id of [...collecting.keys()]) settle(id, worker);
  }

  cluster.on('listening', (worker) => listening.add(worker));
  cluster.on('disconnect', gone);
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === SCRAPE) void scrape(worker, message.id);
    if (message.type === COLLECTED) settle(message.id, worker, message.metrics);
  });
}

/** With a callback, a channel that closed meanwhile is reported there instead of as an 'error' event. */
function send(worker: Worker, message: Message, failed: () => void) {
  if (!worker.isConnected()) return failed();
  worker.send(message, undefined, {}, (error) => {
    if (error) failed();
  });
}

/**
 * In a WORKERS worker: answers the primary with `register`'s figures (until this process leaves
 * the cluster, so one that is stopping still counts), and returns how to ask for the whole
 * server's. Undefined outside a cluster: the process's own figures are the server's.
 */
export function workerMetrics(register: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker) return undefined;
  const toPrimary = (message: Message) =>
    new Promise<void>((resolve, reject) => {
      if (!process.send) return reject(new Error('no channel to the primary'));
      process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
    });
  const scrapes = new Map<number, (reply: { text?: string; error?: string }) => void>();
  let nextId = 0;

  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === COLLECT) {
      void register
        .getMetricsAsJSON()
        .then((metrics) => toPrimary({ type: COLLECTED, id: message.id, metrics }))
        .catch(() => {}); // the primary times out and says so
    }
    if (message.type === SCRAPED) scrapes.get(message.id)?.(message);
  });

  return async () => {
    const id = nextId++;
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<{ text?: string; error?: string }>((resolve) => {
      scrapes.set(id, resolve);
      timer = setTimeout(
        () => resolve({ error: 'the primary did not answer' }),
        COLLECT_TIMEOUT_MS + 2000,
      );
    });
    try {
      await toPrimary({ type: SCRAPE, id });
      const { text, error } = await reply;
      if (text === undefined) throw new Error(error ?? 'no metrics');
      return text;
    } finally {
      clearTimeout(timer);
      scrapes.delete(id);
    }
  };
}

export const isPrimary = () => cluster.isPrimary;
