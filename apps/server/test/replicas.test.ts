// Read replicas (decision 039) against a real primary and streaming replica made here
// (pg-cluster.ts): lag-tolerant reads go to the replica, a writer reads its own writes (through
// another instance too, sharing Redis), a replica that lags too far or stops is taken out with no
// request failing, and comes back by itself. The replica is made to lag on purpose by delaying
// its replay (recovery_min_apply_delay), so a stale answer shows where a read went.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDb, sql } from '@conduit/db';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { api } from '../src/rest/testing';
import { inCi, testConfig } from './helpers';
import { freshName, mutate, query, register } from './http';
import {
  type PgNode,
  pgClusterMissing,
  startPrimary,
  startReplica,
  waitForReplay,
} from './pg-cluster';
import { pgbouncerBinary, startPgbouncer } from './pgbouncer';
import { freePort } from './process';
import { eventually } from './write-load';

// It makes its own clusters, so any pass could run it; in CI once is enough, in the PostgreSQL
// pass (with Redis: positions shared across instances). Elsewhere whenever it can run.
const missing =
  pgClusterMissing() ??
  (inCi && !process.env.TEST_DATABASE_URL ? 'in CI, the PostgreSQL pass runs it' : undefined);
const redisUrl = process.env.TEST_REDIS_URL;

type ReplicaReport = { replica: number; state: string; lagMs: number | null; reason?: string };

async function replicasOf(app: FastifyInstance): Promise<ReplicaReport[]> {
  const response = await app.inject({ method: 'GET', url: '/readyz' });
  return (response.json() as { replicas: ReplicaReport[] }).replicas;
}

async function stateOf(app: FastifyInstance): Promise<string | undefined> {
  return (await replicasOf(app))[0]?.state;
}

/** A sample's value in /metrics, or undefined when it is not there. */
async function metric(app: FastifyInstance, sample: string): Promise<number | undefined> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return undefined;
}

const replicaReads = async (app: FastifyInstance) =>
  (await metric(app, 'db_reads_total{target="replica-0"}')) ?? 0;
const primaryReads = async (app: FastifyInstance) =>
  (await metric(app, 'db_reads_total{target="primary"}')) ?? 0;

/** Makes the replica apply each commit `delay` after the primary made it ('0': at once). */
async function delayReplay(replica: PgNode, delay: string) {
  const sql = postgres(replica.url, { max: 1 });
  try {
    await sql.unsafe(`alter system set recovery_min_apply_delay = '${delay}'`);
    await sql`select pg_reload_conf()`;
  } finally {
    await sql.end();
  }
  // The reload reaches new sessions as soon as the server has read the file again.
  const applied = await eventually(async () => {
    const check = postgres(replica.url, { max: 1 });
    try {
      const [row] = await check`show recovery_min_apply_delay`;
      return row?.recovery_min_apply_delay === delay;
    } finally {
      await check.end();
    }
  }, 50);
  if (!applied) throw new Error(`recovery_min_apply_delay did not become ${delay}`);
}

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) the replica's server and its children, found by the
 * postmaster's process id: a host that stops answering without closing its connections.
 */
function signalReplica(replica: PgNode, signal: 'SIGSTOP' | 'SIGCONT') {
  const postmaster = Number(
    readFileSync(join(replica.dir, 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], {
    encoding: 'utf8',
  })
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0);
  for (const pid of [postmaster, ...children]) process.kill(pid, signal);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function createArticle(app: FastifyInstance, token: string, tag: string): Promise<string> {
  const response = await mutate(
    app,
    'article.create',
    { title: `Replicated ${freshName()}`, description: 'd', body: 'b', tagList: [tag] },
    bearer(token),
  );
  expect(response.statusCode, response.body).toBe(200);
  return response.json().result.data.article.slug;
}

/** The article's title as an anonymous reader is told (a cached read). */
async function titleOf(app: FastifyInstance, slug: string) {
  const response = await query(app, 'article.get', { slug });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().result.data.article.title as string;
}

/**
 * How many articles carry `tag`, as this reader (a token, or anonymous) is told by a search: a
 * lag-tolerant read the cache does not keep (list pages are cached, and so loaded from the
 * primary while the cache is on), so it goes to the replica unless this reader just wrote.
 */
async function countTagged(app: FastifyInstance, tag: string, token?: string) {
  const response = await query(app, 'article.search', { q: tag }, token ? bearer(token) : {});
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().result.data.articles as unknown[]).length;
}

describe.skipIf(missing)(
  `read replicas${missing ? ` (${missing})` : ''}`,
  { timeout: 60_000 },
  () => {
    let primary: PgNode | undefined;
    let replica: PgNode | undefined;
    const apps: FastifyInstance[] = [];

    async function appWith(env: Record<string, string> = {}) {
      if (!primary || !replica) throw new Error('not started');
      const app = await buildApp(
        testConfig({
          DATABASE_URL: primary.url,
          DATABASE_REPLICA_URLS: replica.url,
          DB_POOL_MAX: '4',
          RATE_LIMIT_MAX: '0',
          REGISTER_MAX_PER_IP: '0',
          ...env,
        }),
      );
      apps.push(app);
      if (!(await eventually(async () => (await stateOf(app)) === 'up'))) {
        throw new Error(`the replica never came into service: ${await replica.log()}`);
      }
      return app;
    }

    beforeAll(async () => {
      primary = await startPrimary({ port: await freePort() });
      // As deployment.md advises: the standby tells the primary what its reads still need.
      replica = await startReplica(primary, {
        port: await freePort(),
        settings: ['hot_standby_feedback=on'],
      });
      const sql = postgres(replica.url, { max: 1 });
      try {
        const [row] = await sql`show hot_standby_feedback`;
        if (row?.hot_standby_feedback !== 'on') throw new Error('the replica ignored its settings');
      } finally {
        await sql.end();
      }
    }, 60_000);

    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await replica?.remove();
      await primary?.remove();
    });

    it('reads from the replica, and a writer reads its own writes at once, through any instance', async () => {
      if (!replica) throw new Error('not started');
      // Two instances sharing Redis (limits, cache, who wrote), as behind a load balancer; one
      // alone without it. The cache is on: what it keeps must come from the primary.
      // The replica replays five seconds late (and stays in service): time enough for the checks
      // below to see it stale, however slow the machine.
      const shared = {
        CACHE_TTL_MS: '30000',
        REPLICA_MAX_LAG_MS: '30000',
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      };
      const first = await appWith(shared);
      const second = redisUrl ? await appWith(shared) : undefined;
      // The schema the first start migrated is on the replica before it is held back.
      if (primary) await waitForReplay(primary, replica);
      await delayReplay(replica, '5s');
      try {
        const writer = await register(first);
        const tag = freshName();
        const slug = await createArticle(first, writer.token, tag);

        // Right after the write: the writer sees it, through either instance; an anonymous
        // reader, whose reads go to the replica, does not yet.
        expect(await countTagged(first, tag, writer.token)).toBe(1);
        if (second) expect(await countTagged(second, tag, writer.token)).toBe(1);
        expect(await countTagged(first, tag)).toBe(0);
        if (second) expect(await countTagged(second, tag)).toBe(0);
        expect(await replicaReads(first)).toBeGreaterThan(0);

        // The same through the REST API: a comment, read back at once by its writer.
        const commented = await api(first, 'POST', `/api/articles/${slug}/comments`, {
          token: writer.token,
          body: { comment: { body: 'Read back at once' } },
        });
        expect(commented.statusCode, commented.body).toBe(200);
        const comments = await api(second ?? first, 'GET', `/api/articles/${slug}/comments`, {
          token: writer.token,
        });
        expect(comments.json().comments, comments.body).toHaveLength(1);

        // A cached read is loaded from the primary, never the lagging replica: a visitor gets the
        // new article, and after an edit (which invalidates it) the new title, at once.
        expect(await titleOf(second ?? first, slug)).toMatch(/^Replicated /);
        const edited = await mutate(
          first,
          'article.update',
          { slug, title: `Edited ${tag}` },
          bearer(writer.token),
        );
        expect(edited.statusCode, edited.body).toBe(200);
        expect(await titleOf(second ?? first, slug)).toBe(`Edited ${tag}`);

        // Once the replica has replayed it, everyone sees it there, the writer too.
        expect(await eventually(async () => (await countTagged(first, tag)) === 1)).toBe(true);
        const writersReads = async () => {
          const before = await replicaReads(first);
          await countTagged(first, tag, writer.token);
          return (await replicaReads(first)) > before;
        };
        expect(await eventually(writersReads)).toBe(true);
      } finally {
        await delayReplay(replica, '0');
      }
    });

    it('answers from the primary what a replica behind on the schema does not have yet', async () => {
      if (!primary || !replica) throw new Error('not started');
      // As after a deploy: the primary is migrated, the replica has not replayed it yet.
      const conn = await createDb({
        url: primary.url,
        replicas: { urls: [replica.url], maxLagMs: 60_000 },
      });
      const table = sql.identifier(`added_${freshName()}`);
      try {
        expect(await eventually(async () => conn.replicas?.status()[0]?.state === 'up')).toBe(true);
        await delayReplay(replica, '5s');
        await conn.db.execute(sql`create table ${table} (id int primary key)`);
        await conn.db.execute(sql`insert into ${table} values (1), (2)`);
        const reads = conn.replicas?.readDb();
        if (!reads) throw new Error('no replicas');
        const rows = (await reads.execute(sql`select id from ${table} order by id`)) as unknown;
        expect(Array.isArray(rows) ? rows : []).toEqual([{ id: 1 }, { id: 2 }]);
        expect(conn.replicas?.status()[0]).toMatchObject({ state: 'up', failovers: 1 });
      } finally {
        await delayReplay(replica, '0');
        await conn.close();
      }
    });

    it.skipIf(!pgbouncerBinary())(
      'answers many writers at once behind PgBouncer (needs pgbouncer)',
      async () => {
        if (!primary) throw new Error('not started');
        // A pooler with fewer server connections than writers: each write's log position used to
        // be read through it, and every writer stalled (the multi-host bench found it). It is
        // read on the direct connection now, as the primary's own property.
        const pooler = await startPgbouncer(primary.url, 3);
        try {
          // Writing at once, while the replica is still being polled into service.
          const app = await buildApp(
            testConfig({
              DATABASE_REPLICA_URLS: replica?.url ?? '',
              RATE_LIMIT_MAX: '0',
              REGISTER_MAX_PER_IP: '0',
              DATABASE_URL: pooler.url,
              DATABASE_DIRECT_URL: primary.url,
              DATABASE_PREPARED_STATEMENTS: 'false',
              DB_POOL_MAX: '4',
              CACHE_TTL_MS: '0',
              ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
            }),
          );
          apps.push(app);
          const writers = await Promise.all(Array.from({ length: 16 }, () => register(app)));
          const slugs = await Promise.all(
            writers.map((writer) => createArticle(app, writer.token, freshName())),
          );
          expect(new Set(slugs).size).toBe(16);
        } finally {
          await pooler.stop();
        }
      },
    );

    it('takes a replica out while it lags more than REPLICA_MAX_LAG_MS, and back once caught up', async () => {
      if (!replica) throw new Error('not started');
      const app = await appWith({ REPLICA_MAX_LAG_MS: '300' });
      const writer = await register(app);
      await delayReplay(replica, '2s');
      let writing = true;
      const tag = freshName();
      const writes = (async () => {
        while (writing) await createArticle(app, writer.token, tag);
      })();
      try {
        expect(await eventually(async () => (await stateOf(app)) === 'lagging')).toBe(true);
        const [report] = await replicasOf(app);
        expect(report).toMatchObject({ replica: 0, state: 'lagging' });
        expect(report?.reason).toMatch(/more than 300 ms behind/);
        expect(report?.lagMs).toBeGreaterThan(300);
        expect(await metric(app, 'db_replica_up{replica="0"}')).toBe(0);
        expect(await metric(app, 'db_replica_lag_seconds{replica="0"}')).toBeGreaterThan(0.3);
        // Out of service, the replica takes no reads: an anonymous reader sees the latest writes.
        const before = await countTagged(app, tag, writer.token);
        expect(await countTagged(app, tag)).toBeGreaterThanOrEqual(before);
      } finally {
        writing = false;
        await writes;
        await delayReplay(replica, '0');
      }
      expect(await eventually(async () => (await stateOf(app)) === 'up')).toBe(true);
      expect(await metric(app, 'db_replica_up{replica="0"}')).toBe(1);
    });

    it('fails no read when the replica stops under load, reads from the primary, and takes it back when it starts', async () => {
      if (!replica) throw new Error('not started');
      const app = await appWith();
      const writer = await register(app);
      const tag = freshName();
      await createArticle(app, writer.token, tag);
      const failures: string[] = [];
      let reading = true;
      let answered = 0;
      const read = async (token?: string) => {
        while (reading) {
          const response = await query(app, 'article.list', { tag }, token ? bearer(token) : {});
          if (response.statusCode === 200) answered++;
          else failures.push(`${response.statusCode} ${response.body}`);
        }
      };
      const load = [read(), read(), read(), read(writer.token)];
      try {
        expect(await eventually(async () => (await replicaReads(app)) > 20)).toBe(true);
        await replica.stop();
        expect(await eventually(async () => (await stateOf(app)) === 'down')).toBe(true);
        // Every read goes to the primary now.
        const [onReplica, onPrimary] = [await replicaReads(app), await primaryReads(app)];
        expect(await eventually(async () => (await primaryReads(app)) > onPrimary + 20)).toBe(true);
        expect(await replicaReads(app)).toBe(onReplica);

        await replica.start();
        expect(await eventually(async () => (await stateOf(app)) === 'up')).toBe(true);
        expect(await eventually(async () => (await replicaReads(app)) > onReplica + 20)).toBe(true);
      } finally {
        reading = false;
        await Promise.all(load);
      }
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(60);
    });

    it('moves reads waiting on a replica that stops answering to the primary, and takes it back', async () => {
      if (!replica) throw new Error('not started');
      const app = await appWith();
      const tag = freshName();
      const failures: string[] = [];
      let reading = true;
      const read = async () => {
        while (reading) {
          const response = await query(app, 'article.list', { tag });
          if (response.statusCode !== 200) failures.push(`${response.statusCode} ${response.body}`);
        }
      };
      const load = [read(), read(), read()];
      try {
        expect(await eventually(async () => (await replicaReads(app)) > 20)).toBe(true);
        signalReplica(replica, 'SIGSTOP');
        // Reads caught on the frozen replica are answered by the primary once it is found down.
        expect(await eventually(async () => (await stateOf(app)) === 'down')).toBe(true);
        const [report] = await replicasOf(app);
        expect(report?.reason).toMatch(/no answer within/);
        const onPrimary = await primaryReads(app);
        expect(await eventually(async () => (await primaryReads(app)) > onPrimary + 20)).toBe(true);
      } finally {
        signalReplica(replica, 'SIGCONT');
      }
      try {
        expect(await eventually(async () => (await stateOf(app)) === 'up')).toBe(true);
      } finally {
        reading = false;
        await Promise.all(load);
      }
      expect(failures).toEqual([]);
      expect(await metric(app, 'db_replica_failovers_total{replica="0"}')).toBeGreaterThan(0);
    });

    it('starts with a replica it cannot reach, reads from the primary, and never shows its password', async () => {
      if (!primary) throw new Error('not started');
      const lines: string[] = [];
      const unreachable = `postgres://reader:s3cret-word@127.0.0.1:${await freePort()}/postgres`;
      const app = await buildApp(
        testConfig({
          DATABASE_URL: primary.url,
          DATABASE_REPLICA_URLS: unreachable,
          LOG_LEVEL: 'info',
          RATE_LIMIT_MAX: '0',
        }),
        { logStream: { write: (line) => lines.push(line) } },
      );
      apps.push(app);
      expect(await eventually(async () => (await stateOf(app)) === 'down')).toBe(true);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({
        status: 'ready',
        replicas: [
          { replica: 0, server: expect.stringMatching(/^127\.0\.0\.1:\d+$/), state: 'down' },
        ],
      });
      const before = await primaryReads(app);
      expect(await countTagged(app, freshName())).toBe(0);
      expect(await primaryReads(app)).toBeGreaterThan(before);
      expect(await metric(app, 'db_replica_up{replica="0"}')).toBe(0);
      // Said in the log, by address, and the password nowhere.
      expect(lines.some((line) => line.includes('read replica down'))).toBe(true);
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      for (const text of [...lines, ready.body, metrics]) expect(text).not.toContain('s3cret-word');
    });
  },
);
