// Debian's PgBouncer in transaction mode in front of a test database, as docs/deployment.md sets
// it up: started in a temp folder of its own, on a free loopback port, stopped by the test.
import type { ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startForeground } from './foreground';
import { freePort, tryConnect } from './process';

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'];

/** The pgbouncer binary's path, or undefined when it is not installed. */
export function pgbouncerBinary(): string | undefined {
  return CANDIDATES.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Where PgBouncer runs when not on loopback: another address, a fixed port, a host of its own. */
export interface PgbouncerPlace {
  /** The address it listens on and clients use (default 127.0.0.1). */
  host?: string;
  /** Its port (default: a free loopback port). */
  port?: number;
  /** A command prefix that runs it elsewhere, e.g. ['ip', 'netns', 'exec', 'pool']. */
  wrap?: string[];
  /** More `[pgbouncer]` settings, written as given. */
  settings?: Record<string, string | number>;
}

/**
 * PgBouncer in transaction mode for the database of `databaseUrl` (user, host, port and name are
 * taken from it; trust authentication, as the test server has). `poolSize` server connections at
 * most, few on purpose: consecutive statements of one client then meet different connections.
 * Resolves with the URL clients use instead of `databaseUrl`.
 */
export async function startPgbouncer(
  databaseUrl: string,
  poolSize = 3,
  place: PgbouncerPlace = {},
): Promise<{ url: string; dir: string; stop(): Promise<void>; log(): string }> {
  const binary = pgbouncerBinary();
  if (!binary) throw new Error('pgbouncer is not installed (looked in /usr/sbin, /usr/bin)');
  const target = new URL(databaseUrl);
  const user = decodeURIComponent(target.username) || 'postgres';
  const database = target.pathname.slice(1);
  const host = place.host ?? '127.0.0.1';
  const port = place.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'conduit-pgbouncer-'));
  // As root, pgbouncer must be told to drop to another user (-u), who must read this folder.
  chmodSync(dir, 0o777);
  const users = join(dir, 'users.txt');
  writeFileSync(users, `"${user}" ""\n`, { mode: 0o644 });
  const ini = join(dir, 'pgbouncer.ini');
  writeFileSync(
    ini,
    `[databases]
${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database} user=${user}

[pgbouncer]
listen_addr = ${host}
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${users}
pool_mode = transaction
default_pool_size = ${poolSize}
max_client_conn = 500
logfile = ${join(dir, 'pgbouncer.log')}
pidfile = ${join(dir, 'pgbouncer.pid')}
${Object.entries(place.settings ?? {})
  .map(([key, value]) => `${key} = ${value}\n`)
  .join('')}`,
    { mode: 0o644 },
  );
  const asRoot = process.getuid?.() === 0;
  const [command = binary, ...prefix] = [...(place.wrap ?? []), binary];
  const service = await startForeground({
    name: 'pgbouncer',
    binary: command,
    args: [...prefix, ...(asRoot ? ['-u', 'postgres'] : []), ini],
    dir,
    logFile: join(dir, 'pgbouncer.log'),
    signal: 'SIGINT', // immediate shutdown
    ready: (child) => untilListening(host, port, child),
  });
  const url = new URL(databaseUrl);
  url.hostname = host;
  url.port = String(port);
  return { url: url.toString(), dir, stop: service.stop, log: service.log };
}

async function untilListening(
  host: string,
  port: number,
  child: ChildProcess,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    }
    if ((await tryConnect(port, host)) === 'open') return;
    if (Date.now() > deadline) throw new Error(`not listening on ${port} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
