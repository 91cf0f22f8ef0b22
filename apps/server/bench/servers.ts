// The processes and databases a bench run starts, and their clean-up.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DbConfig } from '@conduit/db';
import postgres from 'postgres';
import { freePort } from '../test/process';
import { pinnedStart } from './pinning';

export const serverDir = fileURLToPath(new URL('..', import.meta.url));
export const repoDir = fileURLToPath(new URL('../../..', import.meta.url));

/** A database the bench made for itself: how the server and the seeding reach it, and its drop. */
export interface DatabaseTarget {
  label: 'PGlite' | 'PostgreSQL';
  env: Record<string, string>;
  config: DbConfig;
  drop(): Promise<void>;
}

/** A new database: a PGlite folder under `work`, or `conduit_bench_<pid>_<name>` on the server. */
export async function createDatabase(
  serverUrl: string | undefined,
  work: string,
  name: string,
): Promise<DatabaseTarget> {
  if (!serverUrl) {
    const dir = join(work, `pglite-${name}`);
    return {
      label: 'PGlite',
      env: { PGLITE_DIR: dir },
      config: { pgliteDir: dir },
      drop: async () => {},
    };
  }
  const database = `conduit_bench_${process.pid}_${name}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${database}" with (force)`);
    await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return {
    label: 'PostgreSQL',
    env: { DATABASE_URL: url.toString() },
    config: { url: url.toString() },
    drop: async () => {
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${database}" with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** Bundles the server as `pnpm start` runs it (dist/main.js). */
export function buildServer(): void {
  const built = spawnSync('node', ['build.mjs'], { cwd: serverDir, stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`node build.mjs failed (exit ${built.status})`);
}

export interface RunningProcess {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Every process the run started and has not stopped yet, stopped on Ctrl-C or a failure. */
const running = new Set<RunningProcess>();
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((process) => process.stop()));
}

/** The processes running now, whose CPU a measurement counts as the server's. */
export function runningPids(): number[] {
  return [...running].map((process) => process.pid);
}

/**
 * The built server on a free loopback port, answering /healthz. `env` is laid over a clean
 * configuration: production, limits off (the bench measures the server, not the limiter), one
 * process, warnings only; a value of `undefined` leaves the variable unset (the server's default).
 * On a core of its own (pinning.ts) unless `pinned` is false: the phases that measure several
 * instances side by side, or under CPU quotas, leave placing them to the scheduler.
 */
export function startServer(
  database: DatabaseTarget,
  env: Record<string, string | undefined>,
  { pinned = true }: { pinned?: boolean } = {},
): Promise<RunningProcess> {
  return startProcess(
    'node',
    [join(serverDir, 'dist/main.js')],
    { ...database.env, RATE_LIMIT_MAX: '0', WORKERS: '1', ...env },
    pinned,
  );
}

/** bench/baseline.ts: the bare Fastify route replaying the recorded SQL. */
export function startBaseline(database: DatabaseTarget, planFile: string): Promise<RunningProcess> {
  return startProcess(
    process.execPath,
    ['--import', 'tsx', join(serverDir, 'bench/baseline.ts')],
    { ...database.env, BENCH_PLAN: planFile },
    true,
  );
}

/** Variables of the calling shell that would change what is measured; the bench sets its own. */
const inheritedKnobs = [
  'DATABASE_URL',
  'PGLITE_DIR',
  'REDIS_URL',
  'CACHE_TTL_MS',
  'RATE_LIMIT_MAX',
  'WORKERS',
  'DB_POOL_MAX',
  'TRUST_PROXY',
];

async function startProcess(
  command: string,
  argv: string[],
  env: Record<string, string | undefined>,
  pinned: boolean,
): Promise<RunningProcess> {
  const port = await freePort();
  const base: Record<string, string | undefined> = { ...process.env };
  for (const name of inheritedKnobs) delete base[name];
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({
    ...base,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ...env,
  }))
    if (value !== undefined) merged[name] = value;
  const start = pinnedStart(command, argv, pinned);
  const child: ChildProcess = spawn(start.command, start.argv, {
    cwd: serverDir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: merged,
  });
  const exited = once(child, 'exit');
  void exited.then(start.release);
  const url = `http://127.0.0.1:${port}`;
  const handle: RunningProcess = {
    url,
    port,
    pid: child.pid ?? 0,
    stop: async () => {
      running.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(handle);
  for (let waited = 0; ; waited += 200) {
    if (child.exitCode !== null) {
      running.delete(handle);
      throw new Error(`${argv.join(' ')} exited with ${child.exitCode}`);
    }
    if (waited > 60_000) {
      await handle.stop();
      throw new Error(`${argv.join(' ')} did not start within 60 s`);
    }
    const ready = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return handle;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
