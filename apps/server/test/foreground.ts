// A service the tests run themselves (nginx, PgBouncer): started in the foreground from a temp
// folder of its own, its start-up output and log file kept for failure messages, and stopped (and
// its folder removed) by the test.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';

export interface ForegroundService {
  child: ChildProcess;
  /** What it printed so far, and its log file. */
  log(): string;
  /** Stops it (`signal`, then SIGKILL after 5 s) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Runs `binary args` with `dir` as its folder and `logFile` as its log, then `ready(child)`. When
 * that fails, the service is stopped and the error names `name` with what it logged.
 */
export async function startForeground(options: {
  name: string;
  binary: string;
  args: string[];
  dir: string;
  logFile: string;
  /** How this service stops at once (nginx: SIGTERM, PgBouncer: SIGINT). */
  signal: NodeJS.Signals;
  ready: (child: ChildProcess) => Promise<void>;
}): Promise<ForegroundService> {
  const child = spawn(options.binary, options.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit');
  const log = () => {
    let file = '';
    try {
      file = readFileSync(options.logFile, 'utf8');
    } catch {}
    return `${stderr}${file}`.trim();
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(options.signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(options.dir, { recursive: true, force: true });
  };
  try {
    await options.ready(child);
  } catch (error) {
    const output = log();
    await stop();
    throw new Error(`${options.name} did not start: ${(error as Error).message}\n${output}`);
  }
  return { child, log, stop };
}
