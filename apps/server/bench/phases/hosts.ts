// Phase `hosts`: the multi-host topology of the tests (test/multihost.ts: a primary and its
// streaming replica, PgBouncer, Redis, app hosts and nginx, each in a network namespace of its
// own), with 1 and 2 app hosts, each server held to --instance-cpu of a core by a cgroup quota
// (it stands for a machine of its own), with and without the replica in the servers' settings.
// The reads are those the replica may serve (later pages, a tag, the feed, comments, search) and
// the first page (always the primary's). Then a write load through the edge, while the replica's
// lag is sampled on the primary. It makes its own clusters: no --database-url needed.
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { createDb, sql } from '@conduit/db';
import { seedDatabase } from '@conduit/db/seed';
import postgres from 'postgres';
import { hasOpenssl } from '../../test/h2';
import { type Instance, startTopology, type Topology } from '../../test/multihost';
import { netnsMissing } from '../../test/netns';
import { nginxBinary, startNginx } from '../../test/nginx';
import { pgClusterMissing, waitForReplay } from '../../test/pg-cluster';
import { pgbouncerBinary } from '../../test/pgbouncer';
import { capCpu, cpuCapUnavailable } from '../cgroup';
import { percentile } from '../load';
import { onlyNamed, prepareInputs, type Read, type ReadInputs, searchReads } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { type BenchContext, measureReads, thousands } from './common';

/** The edge's plain listener for the bench's own nginx (the topology's keeps 8080 and 8443). */
const EDGE_PORT = 8090;

function redisMissing(): Promise<string | undefined> {
  return new Promise((resolve) =>
    execFile('redis-server', ['--version'], (error) =>
      resolve(error ? 'redis-server is not installed' : undefined),
    ),
  );
}

/** Why the phase cannot run here, or undefined if it can. */
export async function hostsMissing(): Promise<string | undefined> {
  return (
    (await netnsMissing()) ??
    pgClusterMissing() ??
    (!pgbouncerBinary() ? 'pgbouncer is not installed' : undefined) ??
    (!nginxBinary() ? 'nginx not found (install it, or put it on PATH)' : undefined) ??
    (!hasOpenssl ? 'openssl is not installed' : undefined) ??
    (await redisMissing()) ??
    (await cpuCapUnavailable())
  );
}

/**
 * The reads of this phase: the first page (the cached read, always from the primary), and the
 * lag-tolerant ones a replica serves (decision 039).
 */
export function hostReads(inputs: ReadInputs): Read[] {
  const [search] = searchReads(inputs);
  return [
    { name: 'article.list', trpc: { procedure: 'article.list', input: { limit: 20 } } },
    {
      name: 'article.list page 2',
      trpc: { procedure: 'article.list', input: { limit: 20, offset: 20 } },
    },
    {
      name: 'article.list?tag',
      trpc: { procedure: 'article.list', input: { tag: inputs.tag, limit: 20 } },
    },
    {
      name: 'article.feed',
      trpc: { procedure: 'article.feed', input: { limit: 20 } },
      authed: true,
    },
    {
      name: 'comment.list',
      trpc: { procedure: 'comment.list', input: { slug: inputs.slug, limit: 20 } },
    },
    ...(search ? [{ name: search.name, trpc: search.trpc }] : []),
  ];
}

/** The server settings of every variant: no cache (reads reach the databases), no rate limit. */
const BENCH_ENV = { CACHE_TTL_MS: '0', RATE_LIMIT_MAX: '0' };

interface Variant {
  apps: number;
  replica: boolean;
  name: string;
}

export const hostVariants = (): Variant[] =>
  [1, 2].flatMap((apps) =>
    [false, true].map((replica) => ({
      apps,
      replica,
      name: `${apps} app${apps > 1 ? 's' : ''}${replica ? ' + replica' : ''}`,
    })),
  );

export async function runHosts(context: BenchContext): Promise<PhaseResult> {
  const { instanceCpu, connections, durationSeconds, articles, users } = context.options;
  const notes: string[] = [];
  const rows: ResultRow[] = [];
  const variants = hostVariants();
  context.log('hosts: making the topology (clusters, PgBouncer, Redis, nginx)...');
  const topology = await startTopology({ apps: 1, env: BENCH_ENV });
  const releases: (() => Promise<void>)[] = [];
  let running: Instance[] = [...topology.instances];
  try {
    const inputs = await seed(context, topology, notes);
    const edge = topology.network.hosts.edge;
    if (!edge) throw new Error('no edge host');
    let last: { nginx: Awaited<ReturnType<typeof startNginx>> } | undefined;
    for (const variant of variants) {
      await stopInstances(running);
      running = [];
      await last?.nginx.stop();
      last = undefined;
      for (const release of releases.splice(0)) await release();

      context.log(`hosts: ${variant.name}, each capped at ${instanceCpu} core...`);
      const env = {
        ...BENCH_ENV,
        DATABASE_REPLICA_URLS: variant.replica ? topology.replicaUrl : undefined,
      };
      for (let n = 1; n <= variant.apps; n++) {
        const instance = await topology.startInstance(`app${n}`, env);
        running.push(instance);
        const pid = instance.server.child.pid;
        if (pid === undefined) throw new Error(`app${n} has no pid`);
        releases.push(await capCpu(pid, instanceCpu));
      }
      if (variant.replica) await replicaInService(running);
      const nginx = await startNginx({
        upstreams: running.map((instance) => `${instance.host.address}:3000`),
        host: edge.address,
        port: EDGE_PORT,
        wrap: edge.wrap,
        workerProcesses: 1,
      });
      last = { nginx };
      const pids = () => running.map((instance) => instance.server.child.pid ?? 0);
      rows.push(
        ...(await measureReads(
          context,
          nginx.url,
          onlyNamed(hostReads(inputs), context.options.endpoints),
          inputs,
          variant.name,
          pids,
        )),
      );
    }

    // The last variant (2 apps + replica) still runs: the write load goes through it.
    const finalVariant = variants.at(-1)?.name ?? '';
    if (last) {
      const writes = await writeLoad(context, topology, last.nginx.url, finalVariant);
      rows.push(writes.row);
      notes.push(writes.note);
      await last.nginx.stop();
    }
  } finally {
    await stopInstances(running);
    await topology.remove();
    for (const release of releases) await release().catch(() => undefined);
  }

  notes.push(
    `One ${cpus().length}-core box: the hosts are network namespaces sharing its cores; each server's ` +
      `cgroup cap (${instanceCpu} core) stands for a machine of its own. PostgreSQL (both ` +
      'clusters), PgBouncer, Redis, nginx and the load generator are not capped and share the rest.',
    '"+ replica": the servers list the replica (DATABASE_REPLICA_URLS); lists beyond the first ' +
      'page, the feed, comments and search go to it, the first page stays on the primary.',
  );
  return {
    phase: 'hosts',
    title: `Multi-host topology: 1 and 2 app hosts capped at ${instanceCpu} core, with and without the replica`,
    subtitle:
      `PostgreSQL primary + streaming replica, PgBouncer, Redis, nginx, ${thousands.format(articles)} articles, ` +
      `${thousands.format(users)} users, tRPC, cache off, ${connections} connections, ${durationSeconds} s each`,
    variants: variants.map((variant) => variant.name),
    rows,
    notes,
  };
}

async function stopInstances(instances: Instance[]): Promise<void> {
  await Promise.all(
    instances.map(async (instance) => {
      const { child } = instance.server;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await instance.server.exited;
    }),
  );
}

/** Seeds the topology's database through the primary, and waits for the replica to replay it. */
async function seed(context: BenchContext, topology: Topology, notes: string[]) {
  const { articles, users } = context.options;
  context.log(`hosts: seeding ${articles} articles, ${users} users through the primary...`);
  const conn = await createDb({ url: topology.databaseUrl, poolMax: 4 });
  try {
    const started = performance.now();
    await seedDatabase(conn.db, { users, articles, seed: 42 });
    await conn.db.execute(sql`vacuum analyze`);
    const inputs = await prepareInputs(conn.db);
    await waitForReplay(topology.primary, topology.replica, 120_000);
    notes.push(
      `Seeded through the primary and replayed by the replica in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
    return inputs;
  } finally {
    await conn.close();
  }
}

/** Waits until every server's /readyz lists the replica in service. */
async function replicaInService(instances: Instance[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const instance of instances) {
    for (;;) {
      const answer = await fetch(`${instance.origin}/readyz`).catch(() => undefined);
      const body = answer
        ? ((await answer.json().catch(() => ({}))) as { replicas?: { state?: string }[] })
        : {};
      if (body.replicas?.some((replica) => replica.state === 'up')) break;
      if (Date.now() > deadline)
        throw new Error(
          `${instance.name} does not list the replica in service: ${JSON.stringify(body)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * --connections writers, each in a loop: an article created, then a comment on it, through the
 * edge, for --duration seconds; meanwhile the replica's replay lag is read on the primary every
 * 50 ms. Gives the writes as a row and the lag as a note.
 */
async function writeLoad(
  context: BenchContext,
  topology: Topology,
  base: string,
  variant: string,
): Promise<{ row: ResultRow; note: string }> {
  const { connections, durationSeconds } = context.options;
  context.log(`hosts: write load, ${connections} writers, ${durationSeconds} s...`);
  const tokens: string[] = [];
  for (let n = 0; n < connections; n++) {
    const name = `writer${n}x${process.pid}`;
    const answer = await fetch(`${base}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        user: { username: name, email: `${name}@example.com`, password: 'benchmark-password' },
      }),
    });
    const body = (await answer.json()) as { user?: { token?: string } };
    if (!body.user?.token)
      throw new Error(`sign-up through the edge: ${answer.status} ${JSON.stringify(body)}`);
    tokens.push(body.user.token);
  }
  const failures: string[] = [];
  const post = async (token: string, path: string, payload: unknown) => {
    const started = performance.now();
    try {
      const answer = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Token ${token}` },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await answer.text();
      if (!answer.ok) failures.push(`${path}: ${answer.status} ${text.slice(0, 200)}`);
      return { ok: answer.ok, ms: performance.now() - started, text };
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message}`);
      return { ok: false, ms: performance.now() - started, text: '' };
    }
  };

  const latencies: number[] = [];
  let failed = 0;
  const lags: number[] = [];
  const lagBytes: number[] = [];
  const primary = postgres(topology.primary.url, { max: 1, onnotice: () => {} });
  let going = true;
  const sampler = (async () => {
    while (going) {
      const [row] = await primary<{ ms: number | null; bytes: number | null }[]>`
        select (extract(epoch from replay_lag) * 1000)::float8 as ms,
               pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 as bytes
        from pg_stat_replication limit 1`;
      // replay_lag is null once the replica has caught up and nothing is being written.
      lags.push(row?.ms ?? 0);
      lagBytes.push(row?.bytes ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const started = performance.now();
  const until = started + durationSeconds * 1000;
  let serial = 0;
  await Promise.all(
    tokens.map(async (token) => {
      while (performance.now() < until) {
        const title = `Written under load ${process.pid} ${++serial}`;
        const created = await post(token, '/api/articles', {
          article: { title, description: 'd', body: 'b', tagList: [] },
        });
        if (!created.ok) {
          failed++;
          continue;
        }
        latencies.push(created.ms);
        const { slug } = (JSON.parse(created.text) as { article: { slug: string } }).article;
        const comment = await post(token, `/api/articles/${slug}/comments`, {
          comment: { body: 'A comment written under load.' },
        });
        if (comment.ok) latencies.push(comment.ms);
        else failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  going = false;
  await sampler;
  await primary.end();

  const sorted = Float64Array.from(latencies).sort();
  const lagSorted = Float64Array.from(lags).sort();
  const bytesSorted = Float64Array.from(lagBytes).sort();
  const writesPerSecond = latencies.length / seconds;
  const ms = (value: number) => value.toFixed(1);
  const note =
    `Replica lag under the write load (${variant}, ${connections} writers creating an article then ` +
    `commenting on it, ${writesPerSecond.toFixed(0)} writes/s): replay_lag on the primary, sampled ` +
    `every 50 ms (${lags.length} samples), p50 ${ms(percentile(lagSorted, 50))} ms, p99 ` +
    `${ms(percentile(lagSorted, 99))} ms, max ${ms(lagSorted.at(-1) ?? Number.NaN)} ms; WAL not yet ` +
    `replayed p99 ${thousands.format(Math.round(percentile(bytesSorted, 99)))} bytes.`;
  context.log(`  ${note}`);
  if (failures.length > 0) context.log(`  ${failures.length} writes failed, first: ${failures[0]}`);
  return {
    row: {
      endpoint: 'writes (article, comment)',
      variant,
      request: 'POST /api/articles, POST /api/articles/:slug/comments',
      result: {
        requestsPerSecond: writesPerSecond,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        non2xx: failed,
        errors: 0,
      },
    },
    note,
  };
}
