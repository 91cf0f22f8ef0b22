// Under WORKERS, a worker that cannot start (a database that cannot be used, say) tells the
// primary why instead of printing it: every worker fails alike, and replacing them would fail
// again, so the primary says it once, on stderr as a single process would, and stops.
import cluster, { type Worker } from 'node:cluster';

const STARTUP_FAILED = 'conduit:startup-failed';

interface StartupFailed {
  type: typeof STARTUP_FAILED;
  line: string;
}

function isStartupFailed(value: unknown): value is StartupFailed {
  return (value as { type?: unknown } | null)?.type === STARTUP_FAILED;
}

/** Makes `line` known (on stderr, or from a WORKERS worker to the primary), then exits 1. */
export function failStartup(line: string): void {
  if (cluster.isWorker && process.send) {
    process.send({ type: STARTUP_FAILED, line } satisfies StartupFailed, undefined, {}, (error) => {
      if (error) console.error(line); // the primary is gone: nobody else will say it
      process.exit(1);
    });
    return;
  }
  console.error(line);
  process.exit(1);
}

/**
 * In the primary, until `count` workers have listened: calls `failed` once with the line of the
 * first worker that goes away, or a line of its own for one that died without saying why. After
 * that a worker that cannot start is a crash like any other; `later` hears why.
 */
export function watchStart(
  count: number,
  on: { failed(line: string): void; later(worker: Worker, line: string): void },
): { starting(): boolean } {
  let starting = true;
  let listening = 0;
  const lines = new Map<Worker, string>();

  const listened = () => {
    if (++listening < count) return;
    starting = false;
    lines.clear();
    cluster.off('listening', listened);
  };
  cluster.on('listening', listened);
  cluster.on('message', (worker, message: unknown) => {
    if (!isStartupFailed(message)) return;
    if (starting) lines.set(worker, message.line);
    else on.later(worker, message.line);
  });
  // 'disconnect', not 'exit': it comes after every message the worker sent.
  cluster.on('disconnect', (worker) => {
    if (!starting) return;
    starting = false; // said once
    cluster.off('listening', listened);
    on.failed(lines.get(worker) ?? 'Conduit failed to start: a worker exited before it listened');
  });
  return { starting: () => starting };
}
