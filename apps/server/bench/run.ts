// `pnpm bench`: seeds a database, starts the real server, drives load on loopback at the main read
// endpoints over tRPC, then runs the same SQL through a bare Fastify + driver route for comparison.
//   pnpm bench [--articles 10000] [--users N] [--duration 10] [--connections 16]
//              [--database-url postgres://...]  (a server: the bench creates its own database on it)
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCaller, createTRPCContext } from '@conduit/api';
import { articles, createDb, desc, sql, users } from '@conduit/db';
import { seedDatabase } from '@conduit/db/seed';
import postgres from 'postgres';
import { freePort } from '../test/process';
import type { BaselinePlan, CapturedStatement } from './baseline';
import { type LoadResult, runLoad } from './load';

const { values: args } = parseArgs({
  options: {
    articles: { type: 'string', default: '10000' },
    users: { type: 'string' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    'database-url': { type: 'string' },
  },
});
const articleCount = Number(args.articles);
const userCount = Number(args.users ?? Math.max(50, Math.round(articleCount / 20)));
const durationSeconds = Number(args.duration);
const connections = Number(args.connections);
for (const [name, value] of Object.entries({
  articleCount,
  userCount,
  durationSeconds,
  connections,
})) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench: ${name} must be a positive whole number`);
    process.exit(2);
  }
}

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'conduit-bench-'));
const target = await prepareDatabase(args['database-url']);

interface Endpoint {
  name: string;
  path: string;
  input?: unknown;
  authed?: boolean;
}

try {
  console.error(`Seeding ${articleCount} articles, ${userCount} users on ${target.label}...`);
  const setup = await seedAndCapture();
  console.error('Building the server...');
  spawnSync('node', ['build.mjs'], { cwd: serverDir, stdio: 'inherit' });

  const rows: { endpoint: string; path: string; result: LoadResult }[] = [];
  const server = await startProcess('node', [join(serverDir, 'dist/main.js')], {});
  try {
    for (const endpoint of setup.endpoints) {
      const search =
        endpoint.input === undefined
          ? ''
          : `?input=${encodeURIComponent(JSON.stringify(endpoint.input))}`;
      const url = `${server.url}/trpc/${endpoint.path}${search}`;
      const headers: Record<string, string> = endpoint.authed
        ? { authorization: `Token ${setup.token}` }
        : {};
      rows.push({ endpoint: endpoint.name, path: 'tRPC', result: await measure(url, headers) });
    }
  } finally {
    await server.stop();
  }

  const planFile = join(work, 'plan.json');
  await writeFile(planFile, JSON.stringify(setup.plan));
  const baseline = await startProcess(
    process.execPath,
    ['--import', 'tsx', join(serverDir, 'bench/baseline.ts')],
    {
      BENCH_PLAN: planFile,
    },
  );
  try {
    for (const endpoint of setup.endpoints) {
      const result = await measure(`${baseline.url}/baseline/${endpoint.name}`, {});
      rows.push({ endpoint: endpoint.name, path: 'bare SQL', result });
    }
  } finally {
    await baseline.stop();
  }
  printTable(rows);
} finally {
  await target.drop();
  await rm(work, { recursive: true, force: true });
}

async function measure(url: string, headers: Record<string, string>): Promise<LoadResult> {
  await runLoad({ url, headers, connections, durationSeconds: Math.min(2, durationSeconds) }); // warm-up
  return runLoad({ url, headers, connections, durationSeconds });
}

async function prepareDatabase(serverUrl: string | undefined) {
  if (!serverUrl) {
    const dir = join(work, 'pglite');
    return {
      label: 'PGlite',
      env: { PGLITE_DIR: dir },
      config: { pgliteDir: dir },
      drop: async () => {},
    };
  }
  const name = `conduit_bench_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    label: 'PostgreSQL',
    env: { DATABASE_URL: url.toString() },
    config: { url: url.toString() },
    drop: async () => {
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      await cleanup.end();
    },
  };
}

/** Seeds, picks realistic inputs, and records the SQL each endpoint sends (for the bare route). */
async function seedAndCapture() {
  let capture: CapturedStatement[] | undefined;
  const conn = await createDb({
    ...target.config,
    onQuery: (statement, params) => capture?.push({ sql: statement, params }),
  });
  try {
    await conn.migrate();
    const started = performance.now();
    const stats = await seedDatabase(conn.db, {
      users: userCount,
      articles: articleCount,
      seed: 42,
    });
    console.error(
      `Seeded ${stats.total} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    // A freshly loaded table has no statistics and no visibility map: plans and index-only scans
    // would depend on whether autovacuum happened to run before a phase. Measure the steady state.
    await conn.db.execute(sql`vacuum analyze`);

    const [sample] = await conn.db
      .select({ slug: articles.slug })
      .from(articles)
      .orderBy(desc(articles.id))
      .offset(10)
      .limit(1);
    const [prolific] = await conn.db
      .select({ username: users.username })
      .from(users)
      .orderBy(
        sql`(select count(*) from ${articles} where ${articles.authorId} = ${users.id}) desc`,
      )
      .limit(1);
    const anonymous = createCaller(() => createTRPCContext({ db: conn.db }));
    const popularTag = (await anonymous.tag.list({ limit: 1 })).tags[0] ?? 'javascript';
    const { token } = await anonymous.auth.register({
      email: 'bench@example.com',
      username: 'bench',
      password: 'benchmark-password',
    });
    const reader = createCaller(() =>
      createTRPCContext({ db: conn.db, sessionToken: { value: token, from: 'header' } }),
    );
    const authors = await conn.db.select({ username: users.username }).from(users).limit(30);
    for (const author of authors)
      if (author.username !== 'bench') await reader.profile.follow(author);

    const endpoints: Endpoint[] = [
      { name: 'article.list', path: 'article.list', input: { limit: 20 } },
      { name: 'article.list?tag', path: 'article.list', input: { tag: popularTag, limit: 20 } },
      { name: 'article.get', path: 'article.get', input: { slug: sample?.slug ?? '' } },
      { name: 'article.feed', path: 'article.feed', input: { limit: 20 }, authed: true },
      { name: 'tag.list', path: 'tag.list' },
      {
        name: 'profile.get',
        path: 'profile.get',
        input: { username: prolific?.username ?? 'bench' },
      },
    ];
    const plan: BaselinePlan = {};
    for (const endpoint of endpoints) {
      capture = [];
      const caller = createCaller(() =>
        createTRPCContext({
          db: conn.db,
          sessionToken: endpoint.authed ? { value: token, from: 'header' } : undefined,
        }),
      );
      const [area, procedure] = endpoint.path.split('.') as [string, string];
      const router = (
        caller as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>
      )[area];
      await router?.[procedure]?.(endpoint.input);
      plan[endpoint.name] = capture;
      capture = undefined;
    }
    return { endpoints, plan, token };
  } finally {
    await conn.close();
  }
}

async function startProcess(command: string, argv: string[], extraEnv: Record<string, string>) {
  const port = await freePort();
  const child: ChildProcess = spawn(command, argv, {
    cwd: serverDir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      ...target.env,
      ...extraEnv,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      // The benchmark measures the server, not the limiter.
      RATE_LIMIT_MAX: '0',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 200) {
    if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited with ${child.exitCode}`);
    if (waited > 60_000) throw new Error(`${argv.join(' ')} did not start`);
    const ready = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function printTable(rows: { endpoint: string; path: string; result: LoadResult }[]) {
  const header = ['endpoint', 'path', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'];
  const lines = rows.map(({ endpoint, path, result }) => [
    endpoint,
    path,
    result.requestsPerSecond.toFixed(0),
    result.p50.toFixed(1),
    result.p95.toFixed(1),
    result.p99.toFixed(1),
    String(result.errors + result.non2xx),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((line) => (line[i] ?? '').length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(
    `\n${target.label}, ${articleCount} articles, ${connections} connections, ${durationSeconds} s per endpoint`,
  );
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}
