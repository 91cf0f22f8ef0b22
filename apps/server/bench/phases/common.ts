// What every phase is given, and the one way a measurement is taken.
import type { BenchOptions } from '../cli';
import { type CpuUse, formatCpu, watchCpu } from '../cpu';
import { type LoadResult, runLoad } from '../load';
import { headersFor, type Read, type ReadInputs, trpcPath } from '../reads';
import type { ResultRow } from '../results';
import { type DatabaseTarget, runningPids, startServer } from '../servers';

export interface BenchContext {
  options: BenchOptions;
  /** A scratch folder, removed at the end (PGlite folders, the baseline's plan). */
  work: string;
  /** Progress, on stderr (stdout carries the tables). */
  log(message: string): void;
}

/** The database seeded once for the paths, cache and scale phases. */
export interface SharedData {
  database: DatabaseTarget;
  inputs: ReadInputs;
  articles: number;
  users: number;
  seedSeconds: number;
}

export interface MeasureOptions {
  /** The server processes whose CPU is the server's (by default those servers.ts started). */
  serverPids?: () => number[];
  durationSeconds?: number;
  /** Load of up to 2 s first, not counted (default true). */
  warmUp?: boolean;
}

/** What a measurement sends: a GET, or a POST with a body (see LoadOptions for `[<id>]`). */
export interface BenchRequest {
  base: string;
  path: string;
  headers: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
}

/**
 * One measurement: a request that must succeed (a 404 would measure the error path), a warm-up
 * of up to 2 s, then --duration seconds at --connections.
 */
export async function measure(
  context: BenchContext,
  request: BenchRequest,
  label: { endpoint: string; variant: string },
  {
    serverPids = runningPids,
    durationSeconds = context.options.durationSeconds,
    warmUp = true,
  }: MeasureOptions = {},
): Promise<ResultRow> {
  const url = `${request.base}${request.path}`;
  const probe = await fetch(url, {
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body?.replaceAll('[<id>]', 'probe'),
  });
  const body = await probe.text();
  if (!probe.ok)
    throw new Error(
      `${label.endpoint} (${label.variant}): ${url} answered ${probe.status}: ${body.slice(0, 300)}`,
    );
  const { connections } = context.options;
  const load = {
    url,
    headers: request.headers,
    connections,
    ...(request.method ? { method: request.method } : {}),
    ...(request.body === undefined ? {} : { body: request.body }),
  };
  if (warmUp) await runLoad({ ...load, durationSeconds: Math.min(2, durationSeconds) });
  const stopWatch = await watchCpu(serverPids);
  const result: LoadResult = await runLoad({ ...load, durationSeconds });
  const cpu = await stopWatch();
  context.log(
    `  ${label.endpoint} · ${label.variant}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms` +
      (cpu ? `, cpu ${formatCpu(cpu)}` : ''),
  );
  return { ...label, request: request.path, result, ...(cpu ? { cpu } : {}) };
}

/** Each read over tRPC against one server (or proxy), in turn, as one variant of the phase. */
export async function measureReads(
  context: BenchContext,
  base: string,
  reads: Read[],
  inputs: ReadInputs,
  variant: string,
  serverPids?: () => number[],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const read of reads)
    rows.push(
      await measure(
        context,
        { base, path: trpcPath(read), headers: headersFor(read, inputs) },
        { endpoint: read.name, variant },
        { serverPids },
      ),
    );
  return rows;
}

/**
 * Each read over tRPC and, where it has one, over REST, against one server started with the cache
 * off (the paths and search phases: both surfaces doing the same database work).
 */
export async function measureSurfaces(
  context: BenchContext,
  data: SharedData,
  reads: Read[],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const server = await startServer(data.database, { CACHE_TTL_MS: '0' });
  try {
    for (const read of reads) rows.push(...(await measureRead(context, server.url, read, data)));
  } finally {
    await server.stop();
  }
  return rows;
}

/**
 * One read over tRPC and, if it has one, REST, on the server at `base`: variants `tRPC` and
 * `REST` after `prefix`. Both surfaces are measured in turns (tRPC, REST, REST, tRPC, half the
 * time each): a machine that speeds up or slows down over the measurement (other work, CPU
 * frequency) then weighs on both alike. With --rounds N the turns are taken N times, and each
 * surface's row is its median round (`medianRound`), which one disturbed round cannot move.
 */
export async function measureRead(
  context: BenchContext,
  base: string,
  read: Read,
  data: SharedData,
  prefix = '',
): Promise<ResultRow[]> {
  return measureInTurns(context, base, read, headersFor(read, data.inputs), prefix);
}

/** `measureRead` with the request headers given (a signed-in reader's own, say). */
export async function measureInTurns(
  context: BenchContext,
  base: string,
  read: Read,
  headers: Record<string, string>,
  prefix = '',
): Promise<ResultRow[]> {
  const trpc = { base, path: trpcPath(read), headers };
  const rest = read.rest === undefined ? undefined : { base, path: read.rest, headers };
  return requestsInTurns(context, read.name, trpc, rest, prefix);
}

/** `measureInTurns` for any two requests (writes, say): rows `<prefix>tRPC` and `<prefix>REST`. */
export async function requestsInTurns(
  context: BenchContext,
  endpoint: string,
  trpc: BenchRequest,
  rest: BenchRequest | undefined,
  prefix = '',
): Promise<ResultRow[]> {
  const trpcLabel = { endpoint, variant: `${prefix}tRPC` };
  if (!rest) return [await measure(context, trpc, trpcLabel)];
  const restLabel = { endpoint, variant: `${prefix}REST` };
  const durationSeconds = context.options.durationSeconds / 2;
  const trpcRounds: ResultRow[] = [];
  const restRounds: ResultRow[] = [];
  for (let round = 0; round < context.options.rounds; round += 1) {
    // Each surface is warmed up once, before its first turn.
    const turn = (request: typeof trpc, label: typeof trpcLabel, warmUp = false) =>
      measure(context, request, label, { durationSeconds, warmUp });
    const trpcFirst = await turn(trpc, trpcLabel, round === 0);
    const restFirst = await turn(rest, restLabel, round === 0);
    const restSecond = await turn(rest, restLabel);
    const trpcSecond = await turn(trpc, trpcLabel);
    trpcRounds.push(meanOf(trpcFirst, trpcSecond));
    restRounds.push(meanOf(restFirst, restSecond));
  }
  return [medianRound(trpcRounds), medianRound(restRounds)];
}

/**
 * The round of median rate (the lower middle of an even count), with every round's rate
 * alongside it in `rounds`. A single round is returned as it is.
 */
export function medianRound(rounds: ResultRow[]): ResultRow {
  const [first] = rounds;
  if (first === undefined) throw new Error('medianRound: no rounds');
  if (rounds.length === 1) return first;
  const sorted = [...rounds].sort(
    (a, b) => a.result.requestsPerSecond - b.result.requestsPerSecond,
  );
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? first;
  return { ...median, rounds: rounds.map((round) => round.result.requestsPerSecond) };
}

/**
 * Two equal halves of one measurement as one row: rates and CPU shares averaged, counts summed;
 * latency percentiles averaged too (an approximation: the halves' samples are not merged).
 */
export function meanOf(first: ResultRow, second: ResultRow): ResultRow {
  const mean = (a: number, b: number) => (a + b) / 2;
  const [a, b] = [first.result, second.result];
  const result: LoadResult = {
    requestsPerSecond: mean(a.requestsPerSecond, b.requestsPerSecond),
    p50: mean(a.p50, b.p50),
    p95: mean(a.p95, b.p95),
    p99: mean(a.p99, b.p99),
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
  };
  const cpu = first.cpu && second.cpu ? meanCpu(first.cpu, second.cpu) : undefined;
  return { ...first, result, ...(cpu ? { cpu } : {}) };
}

function meanCpu(a: CpuUse, b: CpuUse): CpuUse {
  const mean = (x: number, y: number) => (x + y) / 2;
  return {
    cores: a.cores,
    machine: mean(a.machine, b.machine),
    loadGenerator: mean(a.loadGenerator, b.loadGenerator),
    server: mean(a.server, b.server),
    database: mean(a.database, b.database),
    proxy: mean(a.proxy, b.proxy),
  };
}

export const thousands = new Intl.NumberFormat('en-US');

/** How the surfaces of a phase measured by `measureRead` were measured, for its subtitle. */
export function turnsSubtitle({ connections, durationSeconds, rounds }: BenchOptions): string {
  const each = `${connections} connections, ${durationSeconds} s each`;
  const turns = `${each}, tRPC and REST in turns`;
  return rounds > 1 ? `${turns}, median of ${rounds} rounds` : turns;
}

/**
 * The subtitle of a phase measured in turns on the shared data: its database and size, what the
 * phase adds (the cache's setting), then how the surfaces were measured.
 */
export function sharedTurnsSubtitle(
  context: BenchContext,
  data: SharedData,
  setting?: string,
): string {
  const size = `${data.database.label}, ${thousands.format(data.articles)} articles, `;
  return `${size}${setting ? `${setting}, ` : ''}${turnsSubtitle(context.options)}`;
}

/** `cache in Redis` when the phase's server keeps its cache there (--redis-url). */
export const redisSetting = (context: BenchContext) =>
  context.options.redisUrl ? 'cache in Redis' : undefined;
