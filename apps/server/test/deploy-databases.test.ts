// The database services of compose.yaml, run outside containers with this machine's PostgreSQL
// and PgBouncer: a primary set up the way the postgres image does it with
// deploy/postgres/primary-init.sh, started with compose.yaml's server settings; a replica made
// and started by deploy/postgres/replica-entrypoint.sh with the same command line; PgBouncer
// started by deploy/pgbouncer/start.sh with deploy/pgbouncer/pgbouncer.ini. Only addresses and
// ports differ from the containers (one host here). The password has quotes and a space, so
// both scripts must quote it right. Runs with the PostgreSQL suites (TEST_DATABASE_URL), where
// PostgreSQL's programs are installed; the PgBouncer part where pgbouncer is too.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './dockerfile';
import { pgBinDir } from './pg-cluster';
import { pgbouncerBinary } from './pgbouncer';
import { freePort } from './process';

// Debian keeps initdb and pg_ctl out of PATH.
const bin = pgBinDir();
const compose = parse(readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[] }>;
};
const PASSWORD = `it's a "pass" word`;
const REPLICATION_PASSWORD = `repl'ication "secret"`;

/** PostgreSQL and PgBouncer refuse to run as root: then they run as postgres. */
const asRoot = userInfo().uid === 0;
const owner = asRoot
  ? {
      uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
      gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
    }
  : {};

describe.skipIf(!process.env.TEST_DATABASE_URL || !bin)(
  "compose.yaml's primary, replica and PgBouncer, from its scripts (needs TEST_DATABASE_URL, PostgreSQL's programs)",
  { timeout: 120_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'conduit-compose-db-'));
    const primaryData = join(dir, 'primary');
    const replicaData = join(dir, 'replica');
    const children: ChildProcess[] = [];
    let primaryPort = 0;
    let replicaPort = 0;
    const env = (extra: Record<string, string>) => ({
      // PostgreSQL's programs, and Debian's /usr/sbin for pgbouncer.
      PATH: `${bin}:/usr/sbin:${process.env.PATH ?? ''}`,
      HOME: dir,
      ...extra,
    });
    /** Runs a program to its end as the database user; throws with its output if it fails. */
    const run = (command: string, args: string[], extra: Record<string, string> = {}) => {
      const result = spawnSync(command, args, { env: env(extra), encoding: 'utf8', ...owner });
      if (result.status !== 0) {
        throw new Error(`${command} ${args.join(' ')}: ${result.stdout}${result.stderr}`);
      }
    };
    /** Starts a long-running one as the database user, its output kept for failure messages. */
    const start = (command: string, args: string[], extra: Record<string, string>) => {
      const child = spawn(command, args, { env: env(extra), stdio: 'pipe', ...owner });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      children.push(child);
      return () => output;
    };
    /** What follows compose.yaml's server command line here: this host's port and socket folder. */
    const hostArgs = (port: number) => [
      '-c',
      `port=${port}`,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
    ];
    const connect = (port: number, password = PASSWORD, prepare = true) =>
      postgres({
        prepare,
        host: '127.0.0.1',
        port,
        database: 'conduit',
        username: 'conduit',
        password,
        max: 1,
        onnotice: () => {},
        connect_timeout: 10,
      });

    beforeAll(async () => {
      if (asRoot) chownSync(dir, owner.uid ?? 0, owner.gid ?? 0);
      chmodSync(dir, 0o700);
      // What the postgres image does before its init scripts: initdb with passwords for TCP,
      // any address allowed with one (its pg_hba.conf line). initdb's own replication lines only
      // admit this host's loopback, which the replica container is not: left out, so only the
      // line primary-init.sh adds lets the replica in, as in the containers.
      run(join(bin ?? '', 'initdb'), [
        '-D',
        primaryData,
        '-U',
        'postgres',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--no-sync',
      ]);
      const hba = join(primaryData, 'pg_hba.conf');
      const lines = readFileSync(hba, 'utf8').split('\n');
      writeFileSync(
        hba,
        `${lines.filter((line) => !/^host\s+replication/.test(line)).join('\n')}\nhost all all all scram-sha-256\n`,
      );
      // The image's first start: a server on its socket only, the init scripts, a stop.
      // The server's output to a file: on pg_ctl's pipes it would keep them open, and the wait
      // for pg_ctl to finish would never end.
      const pgCtl = (...args: string[]) =>
        run(join(bin ?? '', 'pg_ctl'), [
          '-D',
          primaryData,
          '-l',
          join(dir, 'init.log'),
          '-w',
          ...args,
        ]);
      pgCtl('-o', `-c listen_addresses='' -c unix_socket_directories=${dir}`, 'start');
      run('sh', [join(REPO_ROOT, 'deploy/postgres/primary-init.sh')], {
        PGDATA: primaryData,
        PGHOST: dir,
        POSTGRES_USER: 'postgres',
        CONDUIT_DB_PASSWORD: PASSWORD,
        CONDUIT_REPLICATION_PASSWORD: REPLICATION_PASSWORD,
      });
      pgCtl('-m', 'fast', 'stop');

      primaryPort = await freePort();
      const [server = '', ...settings] = compose.services.postgres?.command ?? [];
      expect(server).toBe('postgres');
      start(join(bin ?? '', server), [...settings, ...hostArgs(primaryPort)], {
        PGDATA: primaryData,
      });
      await eventually(async () => {
        const sql = connect(primaryPort);
        await sql`select 1`.finally(() => sql.end());
      });
    }, 120_000);

    afterAll(async () => {
      for (const child of children) child.kill('SIGINT'); // fast shutdown for both programs
      await Promise.all(
        children.map((child) =>
          child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined,
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    });

    it('lets the application role in with its password, and no one without it', async () => {
      const sql = connect(primaryPort);
      await sql`create table probe (n int)`;
      await sql`insert into probe values (1)`;
      await sql.end();
      const wrong = connect(primaryPort, 'wrong');
      await expect(wrong`select 1`).rejects.toThrow(/password authentication failed/);
      await wrong.end();
    });

    it('streams to a replica made by the entrypoint with the same command line, through the slot', async () => {
      replicaPort = await freePort();
      const command = compose.services['postgres-replica']?.command ?? [];
      expect(command).toEqual(compose.services.postgres?.command);
      const [server = '', ...settings] = command;
      const output = start(
        'sh',
        [
          join(REPO_ROOT, 'deploy/postgres/replica-entrypoint.sh'),
          join(bin ?? '', server),
          ...settings,
          ...hostArgs(replicaPort),
        ],
        {
          PGDATA: replicaData,
          PRIMARY_HOST: '127.0.0.1',
          PRIMARY_PORT: String(primaryPort),
          PGPASSWORD: REPLICATION_PASSWORD,
        },
      );
      await eventually(async () => {
        const sql = connect(replicaPort);
        try {
          const [row] =
            await sql`select pg_is_in_recovery() as standby, count(*)::int as rows from probe`;
          expect(row).toEqual({ standby: true, rows: 1 });
        } finally {
          await sql.end();
        }
      }, output);

      const primary = connect(primaryPort);
      await primary`insert into probe values (2)`;
      const [slot] =
        await primary`select active from pg_replication_slots where slot_name = 'replica1'`;
      await primary.end();
      expect(slot?.active).toBe(true);
      await eventually(async () => {
        const sql = connect(replicaPort);
        const [row] = await sql`select count(*)::int as rows from probe`.finally(() => sql.end());
        expect(row?.rows).toBe(2);
      }, output);
    });

    it.skipIf(!pgbouncerBinary())(
      'pools transactions through PgBouncer started by start.sh, with the same password (needs pgbouncer)',
      async () => {
        const port = await freePort();
        // pgbouncer.ini with only its addresses and the auth file's folder changed.
        const ini = readFileSync(join(REPO_ROOT, 'deploy/pgbouncer/pgbouncer.ini'), 'utf8')
          .replace('host=postgres port=5432', `host=127.0.0.1 port=${primaryPort}`)
          .replace(/^listen_addr = .*$/m, 'listen_addr = 127.0.0.1')
          .replace(/^listen_port = .*$/m, `listen_port = ${port}`)
          .replace(/^auth_file = .*$/m, `auth_file = ${join(dir, 'userlist.txt')}`);
        const iniFile = join(dir, 'pgbouncer.ini');
        writeFileSync(iniFile, ini);
        if (asRoot) chownSync(iniFile, owner.uid ?? 0, owner.gid ?? 0);
        const output = start('sh', [join(REPO_ROOT, 'deploy/pgbouncer/start.sh'), iniFile], {
          CONDUIT_DB_PASSWORD: PASSWORD,
        });
        await eventually(async () => {
          // No named prepared statements, as the servers behind PgBouncer 1.18.
          const sql = connect(port, PASSWORD, false);
          const rows = await sql
            .begin((tx) => tx`insert into probe values (3) returning n`)
            .finally(() => sql.end());
          expect(rows).toEqual([{ n: 3 }]);
        }, output);
        const wrong = connect(port, 'wrong', false);
        await expect(wrong`select 1`).rejects.toThrow(/authentication failed/);
        await wrong.end();
      },
    );
  },
);

/** Retries `check` until it passes (a server starting, a replica catching up), for up to 60 s. */
async function eventually(check: () => Promise<void>, output?: () => string): Promise<void> {
  let last: unknown;
  for (let waited = 0; waited < 60_000; waited += 250) {
    try {
      await check();
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${String(last)}\n${output?.() ?? ''}`);
}
