// `pnpm bench`: seeds databases, starts the built server and drives load at the read endpoints,
// phase by phase (see `pnpm bench --help` and docs/benchmarks.md). Tables go to stdout, progress
// to stderr, results to bench-results/.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createDb, sql } from '@conduit/db';
import { seedDatabase } from '@conduit/db/seed';
import { renderChart } from './chart';
import {
  type BenchOptions,
  estimateSeconds,
  type Phase,
  parseOptions,
  UsageError,
  usage,
} from './cli';
import { runCache } from './phases/cache';
import type { BenchContext, SharedData } from './phases/common';
import { runFeed } from './phases/feed';
import { runPaths } from './phases/paths';
import { runSearch } from './phases/search';
import { runSize } from './phases/size';
import { pinningFor, usePinning } from './pinning';
import { prepareInputs } from './reads';
import { type BenchReport, type PhaseResult, publishResults, writeResults } from './results';
import { buildServer, createDatabase, repoDir, stopAll } from './servers';
import { formatTable } from './table';

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2).filter((arg) => arg !== '--'));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`bench: ${error.message}\n\n${usage}`);
  process.exit(2);
}
if (options.help) {
  console.log(usage);
  process.exit(0);
}

const log = (message: string) => console.error(message);
const startedAt = new Date();
const skipped: BenchReport['skipped'] = [];
const skip = (phase: Phase, reason: string) => {
  skipped.push({ phase, reason });
  log(`bench: ${phase} skipped: ${reason}`);
};

// What this machine can run. The phases' modules are loaded only when they are asked for.
/** Why this machine cannot run `phase`, or undefined. */
async function missingFor(phase: Phase): Promise<string | undefined> {
  // It makes its own clusters: no --database-url, but root, namespaces and the binaries.
  if (phase === 'hosts') return (await import('./phases/hosts')).hostsMissing();
  const anyDatabase = ['paths', 'cache', 'search', 'writes'];
  if (!anyDatabase.includes(phase) && !options.databaseUrl)
    return 'needs PostgreSQL (--database-url); PGlite serves one process';
  if (phase === 'scale' || phase === 'capped') {
    const missing = (await import('./phases/scale')).nginxMissing();
    if (missing) return missing;
  }
  if (phase === 'capped') return (await import('./cgroup')).cpuCapUnavailable();
  return undefined;
}
const phases: Phase[] = [];
for (const phase of options.phases) {
  const missing = await missingFor(phase);
  if (missing) skip(phase, missing);
  else phases.push(phase);
}
if (phases.includes('scale') && options.instances > cpus().length)
  log(
    `bench: --instances ${options.instances} on ${cpus().length} cores: beyond one process per core ` +
      'the extra instances only add contention (and they share the cores with PostgreSQL, nginx and the load generator).',
  );
const pinning = options.pin ? pinningFor() : undefined;
usePinning(pinning);
if (pinning)
  log(
    `bench: measured servers on core ${pinning.server}, the load generator on ${pinning.generator}`,
  );
const minutes = Math.max(1, Math.round(estimateSeconds(phases, options) / 60));
log(`bench: phases ${phases.join(', ') || '(none)'}; about ${minutes} min`);

const work = await mkdtemp(join(tmpdir(), 'conduit-bench-'));
const context: BenchContext = { options, work, log };
const results: PhaseResult[] = [];
let failed = false;
let shared: SharedData | undefined;
const interrupted = async () => {
  log('bench: interrupted, stopping what was started');
  await stopAll();
  await shared?.database.drop().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
  process.exit(130);
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);

try {
  if (phases.length > 0) {
    log('Building the server...');
    buildServer();
  }
  if (phases.some((phase) => phase !== 'size' && phase !== 'feed' && phase !== 'hosts'))
    shared = await seedShared();
  for (const phase of phases) {
    // A phase that fails is reported with what failed, and the others still run and are written.
    try {
      const result = await runPhase(phase);
      results.push(result);
      console.log(`\n${formatTable(result)}`);
    } catch (error) {
      failed = true;
      await stopAll();
      log(error instanceof Error ? (error.stack ?? error.message) : String(error));
      skip(phase, `failed: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
    }
  }
} finally {
  await stopAll();
  await shared?.database.drop();
  await rm(work, { recursive: true, force: true });
}

const report: BenchReport = {
  version: 1,
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
    platform: `${process.platform} ${process.arch}`,
  },
  settings: {
    database: options.databaseUrl ? 'PostgreSQL' : 'PGlite',
    articles: options.articles,
    users: options.users,
    durationSeconds: options.durationSeconds,
    connections: options.connections,
    rounds: options.rounds,
    instances: options.instances,
    cappedInstances: options.cappedInstances,
    instanceCpu: options.instanceCpu,
    sizeArticles: options.sizeArticles,
    feedArticles: options.feedArticles,
    feedFollows: options.feedFollows,
    ...(pinning ? { pinned: { server: pinning.server, generator: pinning.generator } } : {}),
  },
  phases: results,
  skipped,
};
const files = await writeResults(
  options.outDir ?? join(repoDir, 'bench-results'),
  report,
  renderChart(report),
);
log(`\nbench: wrote ${files.json} and ${files.svg} (and latest.*)`);
if (options.publish) {
  const published = await publishResults(join(repoDir, 'docs'), files);
  log(`bench: published ${published.join(', ')}`);
}
if (failed) process.exitCode = 1;

async function runPhase(phase: Phase): Promise<PhaseResult> {
  switch (phase) {
    case 'paths':
      return runPaths(context, required(shared));
    case 'cache':
      return runCache(context, required(shared));
    case 'mixed':
      return (await import('./phases/mixed')).runMixed(context, required(shared));
    case 'search':
      return runSearch(context, required(shared));
    case 'scale':
      return (await import('./phases/scale')).runScale(context, required(shared));
    case 'capped':
      return (await import('./phases/capped')).runCapped(context, required(shared));
    case 'hosts':
      return (await import('./phases/hosts')).runHosts(context);
    case 'feed':
      return runFeed(context, options.databaseUrl ?? '');
    case 'size':
      return runSize(context, options.databaseUrl ?? '');
    case 'writes':
      return (await import('./phases/writes')).runWrites(context, required(shared));
  }
}

function required(data: SharedData | undefined): SharedData {
  if (!data) throw new Error('the shared database was not seeded');
  return data;
}

/** The database of the paths, cache, scale and capped phases, seeded with the JS seeder. */
async function seedShared(): Promise<SharedData> {
  const database = await createDatabase(options.databaseUrl, work, 'main');
  const data: SharedData = {
    database,
    inputs: { slug: '', title: '', tag: '', username: '', token: '' },
    articles: options.articles,
    users: options.users,
    seedSeconds: 0,
  };
  shared = data;
  log(`Seeding ${options.articles} articles, ${options.users} users on ${database.label}...`);
  const conn = await createDb(database.config);
  try {
    await conn.migrate();
    const started = performance.now();
    await seedDatabase(conn.db, { users: options.users, articles: options.articles, seed: 42 });
    // A freshly loaded table has no statistics and no visibility map: plans and index-only scans
    // would depend on whether autovacuum happened to run before a phase. Measure the steady state.
    await conn.db.execute(sql`vacuum analyze`);
    data.seedSeconds = (performance.now() - started) / 1000;
    log(`Seeded in ${data.seedSeconds.toFixed(1)} s`);
    data.inputs = await prepareInputs(conn.db);
  } finally {
    await conn.close();
  }
  return data;
}
