// `pnpm bench` options: parsed and checked here, without side effects, so they can be tested.
import { parseArgs } from 'node:util';

export const PHASES = [
  'paths',
  'cache',
  'mixed',
  'search',
  'feed',
  'scale',
  'capped',
  'hosts',
  'size',
  'writes',
] as const;
export type Phase = (typeof PHASES)[number];

export const usage = `Usage: pnpm bench [options]

Seeds a database, starts the built server (dist/main.js) and drives load at the read endpoints
on loopback with autocannon. Each phase prints a table; all of them end up in
bench-results/<timestamp>.json and .svg (and latest.json / latest.svg).

Phases (--phases, comma-separated; default: every phase this machine can run):
  paths   each read over tRPC and over REST, and the same SQL through a bare Fastify route
  cache   the same reads with the hot-read cache off (CACHE_TTL_MS=0) and on (the default)
  mixed   article.list, article.get and profile.get, cache on, alone and with a writer beside
          them toggling favorites (20/s; every tenth step an article created, edited, deleted),
          each write read back at once: fails on a stale read
  search  typical searches over tRPC and REST, and the plan of the widest one (EXPLAIN ANALYZE)
  feed    the feed's first page for readers following each of --feed-follows authors, over
          tRPC and REST, on --feed-articles generated articles                  (PostgreSQL)
  scale   1 instance direct, 1 behind nginx, --instances behind nginx    (PostgreSQL, nginx)
  capped  --capped-instances behind nginx, each held to --instance-cpu of a core by a cgroup
          CPU quota: instances as on machines of their own      (PostgreSQL, nginx, cgroups)
  hosts   the multi-host topology (network namespaces: primary and streaming replica,
          PgBouncer, Redis, nginx): 1 and 2 app hosts each held to --instance-cpu, with and
          without the replica, then the replica's lag under a write load; makes its own
          clusters, on --articles              (root, ip netns, PG binaries, pgbouncer, nginx,
          redis-server, openssl, cgroups)
  size    page and search latency at each --size-articles (set-based SQL generator)
          (PostgreSQL)
  writes  a new article and a new comment over tRPC and REST, signed in, cache on (last: what
          it writes stays in the shared database)

Options:
  --database-url URL      a PostgreSQL server; the bench creates its own databases on it and
                          drops them at the end (default: embedded PGlite, paths and cache only)
  --articles N            articles seeded for paths, cache, scale, capped, hosts (default 10000)
  --users N               users seeded with them (default articles / 20, at least 50)
  --duration S            seconds of load per measurement, after a warm-up of up to 2 s (default 10)
  --connections N         concurrent connections of the load generator (default 16)
  --rounds N              tRPC and REST of one read are warmed up, then measured in turns
                          (tRPC, REST, REST, tRPC, half of --duration each; the next round
                          REST, tRPC, tRPC, REST), N rounds; each surface's row is its median
                          round (paths, cache, search, feed, writes; default 1)
  --instances N           server processes behind nginx in the scale phase (default 2)
  --capped-instances A,B  instance counts of the capped phase (default 1,2,3)
  --instance-cpu C        cores each instance gets in the capped and hosts phases (default 0.4)
  --size-articles A,B     table sizes of the size phase (default 10000,1000000)
  --feed-articles N       articles generated for the feed phase (default 200000)
  --feed-follows A,B      authors each reader of the feed phase follows
                          (default 10,30,100,300,1000,10000)
  --endpoints A,B         measure only these endpoints (names as in the tables)
  --redis-url URL         cache and mixed phases: keep the cache in Redis (default: in process)
  --no-pin                leave the measured server and the load generator wherever the
                          scheduler puts them (default: where taskset and two cores or more are
                          there, the server of the paths, cache, search, feed and size phases
                          gets the last core and the load generator the others)
  --out DIR               where results are written (default <repo>/bench-results)
  --publish               also copy the chart and JSON to docs/bench/latest.{svg,json}
  -h, --help              print this and exit

Examples:
  pnpm bench --articles 1000 --duration 2 --phases paths
  pnpm bench --database-url postgres://postgres@127.0.0.1:5432/postgres --phases scale,size
`;

export interface BenchOptions {
  phases: Phase[];
  /** Whether --phases was given (a phase asked for by name and not runnable is still skipped, with a notice). */
  phasesGiven: boolean;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  articles: number;
  users: number;
  durationSeconds: number;
  connections: number;
  /** Turns of tRPC and REST per read; the median round is reported (common.ts, measureRead). */
  rounds: number;
  instances: number;
  cappedInstances: number[];
  instanceCpu: number;
  sizeArticles: number[];
  feedArticles: number;
  feedFollows: number[];
  endpoints: string[] | undefined;
  outDir: string | undefined;
  publish: boolean;
  /** Pin the measured server and the load generator to cores of their own (pinning.ts). */
  pin: boolean;
  help: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function whole(name: string, value: string, min = 1): number {
  const number = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(number) || number < min)
    throw new UsageError(`--${name} must be a whole number >= ${min}, got "${value}"`);
  return number;
}

/** A share of a core: above 0 (1/100 at least, the quota's resolution) and at most 64. */
function fraction(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0.01 || number > 64)
    throw new UsageError(`--${name} must be a number of cores from 0.01 to 64, got "${value}"`);
  return number;
}

export function parseOptions(argv: string[]): BenchOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const phases = values.phases === undefined ? [...PHASES] : list(values.phases);
  for (const phase of phases)
    if (!(PHASES as readonly string[]).includes(phase))
      throw new UsageError(`--phases: unknown phase "${phase}" (known: ${PHASES.join(', ')})`);
  const articles = whole('articles', values.articles ?? '10000');
  const databaseUrl = values['database-url'];
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new UsageError('--database-url must be a postgres:// or postgresql:// URL');
  return {
    // In the order of PHASES, whatever the order given.
    phases: PHASES.filter((phase) => phases.includes(phase)),
    phasesGiven: values.phases !== undefined,
    databaseUrl,
    redisUrl: values['redis-url'],
    articles,
    users: whole('users', values.users ?? String(Math.max(50, Math.round(articles / 20)))),
    durationSeconds: whole('duration', values.duration ?? '10'),
    connections: whole('connections', values.connections ?? '16'),
    rounds: whole('rounds', values.rounds ?? '1'),
    instances: whole('instances', values.instances ?? '2', 2),
    cappedInstances: list(values['capped-instances'] ?? '1,2,3').map((count) =>
      whole('capped-instances', count),
    ),
    instanceCpu: fraction('instance-cpu', values['instance-cpu'] ?? '0.4'),
    sizeArticles: list(values['size-articles'] ?? '10000,1000000').map((size) =>
      whole('size-articles', size, 100),
    ),
    feedArticles: whole('feed-articles', values['feed-articles'] ?? '200000', 100),
    feedFollows: list(values['feed-follows'] ?? '10,30,100,300,1000,10000').map((count) =>
      whole('feed-follows', count),
    ),
    endpoints: values.endpoints === undefined ? undefined : list(values.endpoints),
    outDir: values.out,
    publish: values.publish ?? false,
    pin: !(values['no-pin'] ?? false),
    help: values.help ?? false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      phases: { type: 'string' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      articles: { type: 'string' },
      users: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      instances: { type: 'string' },
      'capped-instances': { type: 'string' },
      'instance-cpu': { type: 'string' },
      'size-articles': { type: 'string' },
      'feed-articles': { type: 'string' },
      'feed-follows': { type: 'string' },
      endpoints: { type: 'string' },
      out: { type: 'string' },
      publish: { type: 'boolean' },
      'no-pin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Measurements each phase makes, for the time estimate printed before the run. */
export function measurementCount(phase: Phase, options: BenchOptions): number {
  const reads = (all: number) =>
    options.endpoints === undefined ? all : Math.min(all, options.endpoints.length);
  switch (phase) {
    // tRPC and REST in turns, --rounds times over; the bare route once.
    case 'paths':
      return reads(6) * (2 * options.rounds + 1);
    case 'cache':
      return reads(8) * 2 * 2 * options.rounds;
    case 'mixed':
      return reads(3) * 2 * 2 * options.rounds;
    case 'search':
      return reads(4) * 2 * options.rounds;
    case 'scale':
      return reads(6) * 3;
    case 'capped':
      return reads(6) * options.cappedInstances.length;
    case 'hosts':
      // Four variants of six reads, and the write load.
      return reads(6) * 4 + 1;
    case 'feed':
      return options.feedFollows.length * 2 * options.rounds;
    case 'size':
      return reads(8) * options.sizeArticles.length;
    case 'writes':
      return reads(2) * 2 * options.rounds;
  }
}

/** A rough wall-clock estimate in seconds: load time, warm-ups, server starts and seeding. */
export function estimateSeconds(phases: readonly Phase[], options: BenchOptions): number {
  const perMeasurement = options.durationSeconds + Math.min(2, options.durationSeconds) + 0.5;
  let seconds = 0;
  for (const phase of phases) seconds += measurementCount(phase, options) * perMeasurement;
  // Seeding with the JS seeder: roughly 1,500 articles a second here; servers start in ~2 s.
  if (phases.some((phase) => phase !== 'size' && phase !== 'feed' && phase !== 'hosts'))
    seconds += 15 + options.articles / 1500;
  seconds += 2 * (phases.includes('cache') ? 2 : 0) + 2 * (phases.includes('paths') ? 2 : 0);
  if (phases.includes('mixed')) seconds += 2;
  if (phases.includes('search')) seconds += 2;
  if (phases.includes('writes')) seconds += 2;
  if (phases.includes('scale')) seconds += 2 * options.instances;
  if (phases.includes('capped')) seconds += 2 * Math.max(0, ...options.cappedInstances);
  // Two clusters, a base backup, PgBouncer, Redis, nginx, its own seeding and six server starts.
  if (phases.includes('hosts')) seconds += 30 + options.articles / 1500 + 6 * 3;
  // The SQL generator: about a minute per million articles, plus the database's creation.
  if (phases.includes('size'))
    for (const size of options.sizeArticles) seconds += 10 + (size / 1_000_000) * 70;
  if (phases.includes('feed')) seconds += 10 + (options.feedArticles / 1_000_000) * 70;
  return Math.round(seconds);
}
