// PostgreSQL clusters the tests make themselves: a primary in a temp folder of its own and
// streaming replicas of it (pg_basebackup), with the machine's PostgreSQL binaries. Each listens
// on the address and port it is given, so the same code serves a loopback test and a host made as
// a network namespace (`wrap`: the command prefix that runs a binary there). The binaries refuse
// to run as root, so as root they run as the postgres user, who owns the folders.
import { execFile } from 'node:child_process';
import {
  accessSync,
  chownSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';

const run = promisify(execFile);
const ROOTS = ['/usr/lib/postgresql'];

/** The newest installed PostgreSQL's bin folder (it holds initdb and pg_basebackup), or undefined. */
export function pgBinDir(): string | undefined {
  for (const root of ROOTS) {
    let versions: string[];
    try {
      versions = readdirSync(root);
    } catch {
      continue;
    }
    const newest = versions
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => join(root, version, 'bin'))
      .find((bin) => {
        try {
          accessSync(join(bin, 'pg_basebackup'), constants.X_OK);
          accessSync(join(bin, 'initdb'), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      });
    if (newest) return newest;
  }
  return undefined;
}

/** Why clusters cannot be made here, or undefined when they can. */
export function pgClusterMissing(): string | undefined {
  if (!pgBinDir())
    return 'no PostgreSQL server binaries (initdb, pg_basebackup) under /usr/lib/postgresql';
  if (process.getuid?.() === 0 && !postgresIds()) return 'running as root with no postgres user';
  return undefined;
}

export interface PgNode {
  /** A connection string for the postgres superuser (trust authentication). */
  url: string;
  host: string;
  port: number;
  dir: string;
  /** Starts it again after `stop` (the same folder, address and port). */
  start(): Promise<void>;
  /** A fast shutdown: sessions are ended, committed work is kept. */
  stop(): Promise<void>;
  /** Stops it, if running, and removes its folder. */
  remove(): Promise<void>;
  /** The server's log so far, for failure messages. */
  log(): Promise<string>;
}

export interface NodeOptions {
  /** The address it listens on (default 127.0.0.1). */
  host?: string;
  port: number;
  /** A command prefix that runs a binary where the node lives, e.g. ['ip', 'netns', 'exec', 'db1']. */
  wrap?: string[];
  /**
   * More server settings, each `name=value` as `-c` takes it, e.g. `recovery_min_apply_delay=2s`
   * for a replica that lags on purpose. They follow the defaults, so they may override them.
   */
  settings?: string[];
}

/**
 * A new primary: initdb (trust authentication for every address, replication allowed), then
 * started. Durability settings are relaxed (fsync off): these clusters live for one test run.
 */
export async function startPrimary(options: NodeOptions): Promise<PgNode> {
  const dir = ownedTempDir('conduit-pg-primary-');
  await as(options.wrap, 'initdb', [
    '-D',
    dir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  await as(options.wrap, 'sh', [
    '-c',
    `printf '%s\\n' 'host all all 0.0.0.0/0 trust' 'host replication all 0.0.0.0/0 trust' >> ${dir}/pg_hba.conf`,
  ]);
  const node = nodeAt(dir, options);
  await node.start();
  return node;
}

/**
 * A streaming replica of `primary` (pg_basebackup -R, so it follows the primary from the moment
 * of the copy), started and answering read-only queries.
 */
export async function startReplica(primary: PgNode, options: NodeOptions): Promise<PgNode> {
  const dir = ownedTempDir('conduit-pg-replica-');
  await as(options.wrap, 'pg_basebackup', [
    '-h',
    primary.host,
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    dir,
    '-R',
    '-X',
    'stream',
    '--no-sync',
  ]);
  // The primary's socket lock files came with the copy (its socket is in its data folder): on
  // another host with the same port the replica would take them for a running server's.
  for (const name of readdirSync(dir)) {
    if (/^\.s\.PGSQL\.\d+\.lock$/.test(name)) rmSync(join(dir, name), { force: true });
  }
  const node = nodeAt(dir, options);
  await node.start();
  return node;
}

/** The header of a WAL segment's first page, the longer of the two a page can start with. */
const LONG_PAGE_HEADER = 40;

/**
 * Resolves once `replica` has replayed everything `primary` had committed when this was called, or
 * fails after `timeoutMs`: for tests that need a write to be visible on the replica.
 *
 * Measured against the primary's insert position, not its written one: these clusters run with
 * synchronous_commit off, so a commit is answered once it is in the log, and the written position
 * can still be short of it (a test once found the last acknowledged article missing on a replica
 * that had "caught up"). An insert position at the very start of a page points past that page's
 * header, which no record fills: a replica that has replayed up to the page's start has it all.
 */
export async function waitForReplay(primary: PgNode, replica: PgNode, timeoutMs = 10_000) {
  const [source, target] = [postgres(primary.url, { max: 1 }), postgres(replica.url, { max: 1 })];
  try {
    const [{ lsn }] =
      (await source`select pg_current_wal_insert_lsn()::text as lsn`) as unknown as [
        { lsn: string },
      ];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [{ done }] = (await target`
        select coalesce(
          behind <= 0 or (behind <= ${LONG_PAGE_HEADER} and page_offset = 0),
          false
        ) as done
        from (
          select pg_wal_lsn_diff(${lsn}::pg_lsn, replayed) as behind,
                 pg_wal_lsn_diff(replayed, '0/0') % current_setting('wal_block_size')::int
                   as page_offset
          from pg_last_wal_replay_lsn() as replayed
        ) as position
      `) as unknown as [{ done: boolean }];
      if (done) return;
      if (Date.now() > deadline)
        throw new Error(`the replica did not replay ${lsn} in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await Promise.all([source.end({ timeout: 1 }), target.end({ timeout: 1 })]);
  }
}

function nodeAt(
  dir: string,
  { host = '127.0.0.1', port, wrap, settings: more = [] }: NodeOptions,
): PgNode {
  const logFile = join(dir, 'server.log');
  const settings = [
    `-p ${port}`,
    `-c listen_addresses=${host}`,
    // Its socket in its own folder: the machine's own server keeps /var/run/postgresql.
    `-c unix_socket_directories=${dir}`,
    '-c wal_level=replica',
    '-c max_wal_senders=8',
    '-c hot_standby=on',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    ...more.map((setting) => `-c ${setting}`),
  ].join(' ');
  const pgCtl = (args: string[]) => as(wrap, 'pg_ctl', ['-D', dir, ...args]);
  let running = false;
  const stop = async () => {
    if (!running) return;
    await pgCtl(['-m', 'fast', '-w', 'stop']);
    running = false;
  };
  return {
    url: `postgres://postgres@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`,
    host,
    port,
    dir,
    async start() {
      await pgCtl(['-l', logFile, '-o', settings, '-w', '-t', '30', 'start']);
      running = true;
    },
    stop,
    async remove() {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
    async log() {
      const { stdout } = await run('tail', ['-n', '50', logFile]).catch(() => ({ stdout: '' }));
      return stdout;
    },
  };
}

/** A temp folder the postgres user owns (as root) with mode 0700, as initdb wants its folder. */
function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const ids = process.getuid?.() === 0 ? postgresIds() : undefined;
  if (ids) chownSync(dir, ids.uid, ids.gid);
  return dir;
}

/** Runs a PostgreSQL binary (or `sh`) where the node lives, as the postgres user when root. */
async function as(wrap: string[] | undefined, binary: string, args: string[]) {
  const path = binary === 'sh' ? 'sh' : join(pgBinDir() ?? '', binary);
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const [command = path, ...rest] = [...(wrap ?? []), ...asUser, path, ...args];
  try {
    return await run(command, rest, { timeout: 60_000 });
  } catch (error) {
    const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
    throw new Error(
      `${binary} ${args.join(' ')} failed: ${stderr || stdout || (error as Error).message}`,
    );
  }
}

let ids: { uid: number; gid: number } | null | undefined;
function postgresIds(): { uid: number; gid: number } | undefined {
  if (ids === undefined) {
    try {
      const line = readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((entry) => entry.startsWith('postgres:'));
      const [, , uid, gid] = line?.split(':') ?? [];
      ids = uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
    } catch {
      ids = null;
    }
  }
  return ids ?? undefined;
}
