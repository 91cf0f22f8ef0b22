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

/** What a row of results names: the endpoint, and how it was reached. */
interface Label {
  endpoint: string;
  variant: string;
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
  label: Label,
  {
    serverPids = runningPids,
    durationSeconds = context.options.durationSeconds,
    warmUp = true,
  }: MeasureOptions = {},
): Promise<ResultRow> {
  const load = await probed(context, request, label);
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

/**
 * The load that sends `request`, once the request has been seen to succeed (a 404 would measure
 * the error path).
 */
async function probed(context: BenchContext, request: BenchRequest, label: Label) {
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
  return {
    url,
    headers: request.headers,
    connections: context.options.connections,
    ...(request.method ? { method: request.method } : {}),
    ...(request.body === undefined ? {} : { body: request.body }),
  };
}

/** Load of up to 2 s on `request`, not measured. */
async function warmUp(context: BenchContext, request: BenchRequest, label: Label): Promise<void> {
  const load = await probed(context, request, label);
  await runLoad({ ...load, durationSeconds: Math.min(2, context.options.durationSeconds) });
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
 * `REST` after `prefix`. Both surfaces are warmed up first, then measured in turns, half the time
 * each, in rounds that mirror each other (`turnOrder`): a machine that speeds up or slows down
 * over the measurement (other work, CPU frequency) weighs on both alike, and neither surface is
 * always the one measured first. With --rounds N each surface's row is its median round
 * (`medianRound`), which one disturbed round cannot move.
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

export type Surface = 'tRPC' | 'REST';

/**
 * The surfaces' turns, round by round: tRPC REST REST tRPC, then REST tRPC tRPC REST, and so on.
 * Within a round a steady drift weighs on both alike; across rounds each surface opens as often
 * as the other (one more for tRPC when the count is odd), so what the first turn after the other
 * surface's load or the warm-up costs is not always the same surface's.
 */
export function turnOrder(rounds: number): Surface[][] {
  return Array.from({ length: rounds }, (_, round) =>
    round % 2 === 0 ? ['tRPC', 'REST', 'REST', 'tRPC'] : ['REST', 'tRPC', 'tRPC', 'REST'],
  );
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
  const surfaces = {
    tRPC: { request: trpc, label: trpcLabel },
    REST: { request: rest, label: { endpoint, variant: `${prefix}REST` } },
  };
  // Both before either is measured: the first would otherwise warm up what they share for the
  // second (the server's common path, the database's buffers) in its own measured turns.
  await warmUp(context, trpc, surfaces.tRPC.label);
  await warmUp(context, rest, surfaces.REST.label);
  const durationSeconds = context.options.durationSeconds / 2;
  const rounds: Record<Surface, ResultRow[]> = { tRPC: [], REST: [] };
  for (const order of turnOrder(context.options.rounds)) {
    const turns: Record<Surface, ResultRow[]> = { tRPC: [], REST: [] };
    for (const surface of order) {
      const { request, label } = surfaces[surface];
      turns[surface].push(
        await measure(context, request, label, { durationSeconds, warmUp: false }),
      );
    }
    for (const surface of ['tRPC', 'REST'] as const) {
      const [first, second] = turns[surface];
      if (first && second) rounds[surface].push(meanOf(first, second));
    }
  }
  return [medianRound(rounds.tRPC), medianRound(rounds.REST)];
}

/**
 * The round of median rate (the lower middle of an even count), with every round's rate
 * alongside it in `rounds`. A single round is returned as it is.
 */
export function medianRound(rounds: ResultRow[]): ResultRow {
  const [first] = rounds;
  if (first === undefined) throw new Error('medianRound: no rounds');
  if (rounds.length === 1) return first;
  const median = lowerMiddle(rounds, (round) => round.result.requestsPerSecond) ?? first;
  return { ...median, rounds: rounds.map((round) => round.result.requestsPerSecond) };
}

/** The item in the middle by `key` (the lower middle of an even count), or undefined for none. */
function lowerMiddle<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * tRPC ÷ REST of each read measured in turns, taken round by round: the median of the rounds'
 * ratios, each round's two surfaces having been measured minutes apart at most. A ratio of the
 * two median rounds can pair a fast round of one surface with a slow round of the other, and on
 * this machine rounds differ by more than the surfaces do. Undefined for reads without rounds.
 */
export function pairedRatios(rows: ResultRow[], prefix = ''): Map<string, number> {
  const ratios = new Map<string, number>();
  for (const trpc of rows) {
    if (trpc.variant !== `${prefix}tRPC` || !trpc.rounds) continue;
    const rest = rows.find(
      (row) => row.endpoint === trpc.endpoint && row.variant === `${prefix}REST`,
    );
    const restRounds = rest?.rounds;
    if (!restRounds || restRounds.length !== trpc.rounds.length) continue;
    const each = trpc.rounds.map((rate, round) => rate / (restRounds[round] ?? Number.NaN));
    const median = lowerMiddle(each.filter(Number.isFinite), (ratio) => ratio);
    if (median !== undefined) ratios.set(trpc.endpoint, median);
  }
  return ratios;
}

/** `pairedRatios` as a note of the phase (none without rounds). */
export function pairedRatiosNote(rows: ResultRow[], prefix = ''): string[] {
  const ratios = pairedRatios(rows, prefix);
  if (ratios.size === 0) return [];
  const list = [...ratios].map(([endpoint, ratio]) => `${endpoint} ${ratio.toFixed(2)}`);
  return [
    `tRPC ÷ REST${prefix ? ` (${prefix.replace(/, $/, '')})` : ''}, the median of each round's ratio: ${list.join(', ')}.`,
  ];
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
