// Start-up failures as an operator meets them: one line on stderr naming the variable to fix and
// why, exit code 1, within seconds, and never the password from DATABASE_URL.
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { embeddedDatabaseFolder } from './embedded-folder';
import { freePort, startServerProcess } from './process';
import { type Refusal, startRefusingPostgres } from './refusing-postgres';

const PASSWORD = 'hunter2-not-for-logs';
const postgresUrl = (hostPort: string, query = '') =>
  `postgres://conduit:${PASSWORD}@${hostPort}/conduit${query}`;

// The cases run at once (describe.concurrent): most of each is a process starting, or waiting on a
// refusal, and one after another they took most of a minute. Each stops what it started when it
// ends, a test that timed out included.
function start(t: TestContext, env: Record<string, string>, wrapper?: string[]) {
  const server = startServerProcess({ PORT: '0', ...env }, wrapper);
  t.onTestFinished(() => {
    server.child.kill('SIGKILL');
  });
  return server;
}

async function refusing(t: TestContext, refusal: Refusal): Promise<number> {
  const postgres = await startRefusingPostgres(refusal);
  t.onTestFinished(() => postgres.close());
  return postgres.port;
}

async function expectOneLine(
  server: ReturnType<typeof startServerProcess>,
  variable: string,
  cause: RegExp,
): Promise<void> {
  expect(await server.exited).toBe(1);
  const { stderr } = server.output();
  expect(stderr).not.toContain(PASSWORD);
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^Conduit failed to start: ${variable}: `));
  expect(lines[0]).toMatch(cause);
}

// Each case starts a process (through tsx when the build is stale: a few seconds on a busy
// two-core machine); the bound is what an operator waits at most, start-up included, and is there
// to catch a hang (on a quiet machine every case ends in 2 to 7 s). The cases that open an
// embedded database first (a copy of a migrated one: embedded-folder.ts) took up to 27 s when they
// all ran at once beside the other test worker, on a slow day: a longer bound for those.
const SECONDS = { timeout: 30_000 };
const WITH_DATABASE = { timeout: 60_000 };

describe.concurrent('DATABASE_URL that does not lead to a usable database', () => {
  it('names the host when nothing listens there', SECONDS, async (t) => {
    const port = await freePort();
    const server = start(t, { DATABASE_URL: postgresUrl(`127.0.0.1:${port}`) });
    await expectOneLine(
      server,
      'DATABASE_URL',
      new RegExp(
        `cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port} \\(connection refused\\)`,
      ),
    );
  });

  it('names the host that has no address', SECONDS, async (t) => {
    const server = start(t, { DATABASE_URL: postgresUrl('conduit-db.invalid:5432') });
    // ENOTFOUND, or EAI_AGAIN on a machine whose DNS does not answer.
    await expectOneLine(server, 'DATABASE_URL', /conduit-db\.invalid:5432 \(.*host.*\)/);
  });

  it('says the login was refused for a wrong password', SECONDS, async (t) => {
    const port = await refusing(t, 'wrong-password');
    const server = start(t, { DATABASE_URL: postgresUrl(`127.0.0.1:${port}`) });
    await expectOneLine(server, 'DATABASE_URL', /password authentication failed.*28P01/);
  });

  it('says the database does not exist', SECONDS, async (t) => {
    const port = await refusing(t, 'no-such-database');
    const server = start(t, { DATABASE_URL: postgresUrl(`127.0.0.1:${port}`) });
    await expectOneLine(server, 'DATABASE_URL', /database "conduit" does not exist.*3D000/);
  });

  it('gives up on a server that accepts the connection and never answers', SECONDS, async (t) => {
    const port = await refusing(t, 'silent');
    const server = start(t, { DATABASE_URL: postgresUrl(`127.0.0.1:${port}`) });
    await expectOneLine(server, 'DATABASE_URL', /127\.0\.0\.1:\d+ \(no answer within \d+ s\)/);
  });

  it('says TLS failed when the server will not speak it', SECONDS, async (t) => {
    const port = await refusing(t, 'no-tls');
    const server = start(t, { DATABASE_URL: postgresUrl(`127.0.0.1:${port}`, '?sslmode=require') });
    await expectOneLine(server, 'DATABASE_URL', /127\.0\.0\.1:\d+ \(.*TLS/);
  });

  // The primary and then a worker start through tsx, one after the other: a longer bound.
  it('under WORKERS, one line and exit 1 instead of replacing workers that cannot start', {
    timeout: 40_000,
  }, async (t) => {
    const port = await freePort();
    const server = start(t, { WORKERS: '2', DATABASE_URL: postgresUrl(`127.0.0.1:${port}`) });
    await expectOneLine(server, 'DATABASE_URL', /connection refused/);
  });
});

/**
 * A folder the server cannot write to, and how to start it so. Not as root, a folder without
 * write permission is enough; root writes there anyway, so the server then runs in a mount
 * namespace of its own where the folder is a read-only bind mount (gone with the process).
 */
async function readOnlyFolder(): Promise<{ dir: string; wrapper: string[] } | string> {
  const dir = await mkdtemp(join(tmpdir(), 'conduit-readonly-'));
  afterAll(async () => {
    await chmod(dir, 0o755);
    await rm(dir, { recursive: true, force: true });
  });
  if (process.getuid?.() !== 0) {
    await chmod(dir, 0o555);
    return { dir, wrapper: [] };
  }
  const wrapper = [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"',
    'sh',
    dir,
  ];
  const [command = 'unshare', ...args] = wrapper;
  const probe = spawnSync(command, [...args, 'sh', '-c', '! touch "$0/probe" 2>/dev/null', dir]);
  if (probe.status === 0) return { dir, wrapper };
  return `running as root and no read-only bind mount (unshare --mount): ${probe.stderr ?? probe.error}`;
}

const readOnly = await readOnlyFolder();
if (typeof readOnly === 'string')
  console.warn(`skipping the read-only PGLITE_DIR cases: ${readOnly}`);

describe.concurrent('PGLITE_DIR where the embedded database cannot live', () => {
  it.skipIf(typeof readOnly === 'string')(
    'names a folder it may not write to',
    SECONDS,
    async (t) => {
      if (typeof readOnly === 'string') return;
      const server = start(t, { PGLITE_DIR: readOnly.dir }, readOnly.wrapper);
      await expectOneLine(server, 'PGLITE_DIR', /read-only file system|permission denied/);
    },
  );

  it.skipIf(typeof readOnly === 'string')(
    'names a folder it cannot create on a read-only file system',
    SECONDS,
    async (t) => {
      if (typeof readOnly === 'string') return;
      const dir = join(readOnly.dir, 'missing', 'pglite');
      const server = start(t, { PGLITE_DIR: dir }, readOnly.wrapper);
      await expectOneLine(server, 'PGLITE_DIR', /read-only file system|permission denied/);
    },
  );

  // Node's recursive mkdir loops forever there: /proc/1 exists, yet creating in it says ENOENT.
  it('gives up on a folder under /proc instead of hanging', SECONDS, async (t) => {
    const server = start(t, { PGLITE_DIR: '/proc/1/conduit' });
    await expectOneLine(server, 'PGLITE_DIR', /\/proc\/1\/conduit.*no such file or directory/);
  });
});

describe.concurrent('REDIS_URL, PORT and HOST that cannot be used', () => {
  it('names the Redis server that refuses, without its password', WITH_DATABASE, async (t) => {
    const port = await freePort();
    const server = start(t, {
      PGLITE_DIR: await embeddedDatabaseFolder(t.onTestFinished),
      REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}`,
    });
    await expectOneLine(
      server,
      'REDIS_URL',
      new RegExp(`cannot connect to Redis at 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED\\)`),
    );
  });

  it('names PORT when the port is taken', WITH_DATABASE, async (t) => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    t.onTestFinished(() => new Promise((resolve) => taken.close(() => resolve())));
    const { port } = taken.address() as AddressInfo;
    const server = start(t, {
      PGLITE_DIR: await embeddedDatabaseFolder(t.onTestFinished),
      HOST: '127.0.0.1',
      PORT: String(port),
    });
    await expectOneLine(server, 'PORT', new RegExp(`127\\.0\\.0\\.1:${port} \\(.*EADDRINUSE\\)`));
  });

  it('names HOST when this machine has no such address', WITH_DATABASE, async (t) => {
    const server = start(t, {
      PGLITE_DIR: await embeddedDatabaseFolder(t.onTestFinished),
      HOST: '192.0.2.1',
    });
    await expectOneLine(server, 'HOST', /192\.0\.2\.1:\d+ \(.*EADDRNOTAVAIL\)/);
  });
});
