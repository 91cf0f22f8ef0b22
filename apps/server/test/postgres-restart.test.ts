// PostgreSQL itself is stopped and started again under a write load: the server's connections are
// ended by the database (admin shutdown), new ones are refused while it is down, and then it is
// back. /readyz turns 503 and 200 again by itself, the process keeps serving, refused writes are
// 503s, and every acknowledged write is stored. The database is a private PostgreSQL cluster made
// for this test (initdb on a free port), so the machine's shared one is never restarted.
// Runs with the PostgreSQL suites (TEST_DATABASE_URL) where PostgreSQL's programs are installed.
import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getTestDatabaseUrl } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { testConfig } from './helpers';
import { register } from './http';
import { pgBinDir } from './pg-cluster';
import { freePort } from './process';
import { eventually, missingArticles, startWriteLoad } from './write-load';

const runAsync = promisify(execFile);

// Debian keeps initdb and pg_ctl out of PATH.
const bin = pgBinDir();
const enabled = Boolean((await getTestDatabaseUrl()) && bin);

/** A throwaway PostgreSQL cluster. PostgreSQL refuses to run as root: then it runs as postgres. */
async function privateCluster(binDir: string) {
  const dir = await mkdtemp(join(tmpdir(), 'conduit-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    await chown(dir, uid, gid);
  }
  await chmod(dir, 0o700);
  // Asynchronous, so the write load goes on while PostgreSQL stops and starts.
  const run = (program: string, args: string[]) =>
    asRoot
      ? runAsync('runuser', ['-u', 'postgres', '--', join(binDir, program), ...args])
      : runAsync(join(binDir, program), args);
  const data = join(dir, 'data');
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  const pgCtl = (...args: string[]) =>
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', ...args]);
  await pgCtl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    /** A clean, fast stop: connections are ended with "terminating connection due to administrator command". */
    stop: () => pgCtl('stop', '-m', 'fast'),
    start: () => pgCtl('start'),
    async remove() {
      await pgCtl('stop', '-m', 'immediate').catch(() => {}); // perhaps already stopped
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!enabled)('a PostgreSQL restart (needs TEST_DATABASE_URL, pg_ctl)', () => {
  let app: FastifyInstance | undefined;
  let cluster: Awaited<ReturnType<typeof privateCluster>> | undefined;
  afterAll(async () => {
    await app?.close();
    await cluster?.remove();
  });

  it('is ridden out: readiness flips and recovers, and no acknowledged write is lost', async () => {
    cluster = await privateCluster(bin ?? '');
    app = await buildApp(
      testConfig({ DATABASE_URL: cluster.url, REGISTER_MAX_PER_IP: '0', RATE_LIMIT_MAX: '0' }),
    );
    const server = app;
    const ready = async () => (await server.inject({ url: '/readyz' })).statusCode;
    expect(await ready()).toBe(200);
    const writer = await register(server);
    const load = startWriteLoad(server, writer.token);

    await sleep(300);
    await cluster.stop();
    expect(await eventually(async () => (await ready()) === 503, 50)).toBe(true);
    expect((await server.inject({ url: '/healthz' })).statusCode).toBe(200);
    const beforeRestart = load.acknowledged.length;
    await sleep(500);

    await cluster.start();
    expect(await eventually(async () => (await ready()) === 200)).toBe(true);
    await sleep(500);
    await load.stop();
    expect(beforeRestart).toBeGreaterThan(0);
    expect(load.acknowledged.length).toBeGreaterThan(beforeRestart);
    expect(load.refused.length).toBeGreaterThan(0);
    expect(load.refused.filter((status) => status !== 503)).toEqual([]);
    expect(await missingArticles(cluster.url, load.acknowledged)).toEqual([]);
  }, 120_000);
});
