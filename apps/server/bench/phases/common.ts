// What every phase is given, and the one way a measurement is taken.
import type { BenchOptions } from '../cli';
import { formatCpu, watchCpu } from '../cpu';
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

/**
 * One measurement: a request that must succeed (a 404 would measure the error path), a warm-up
 * of up to 2 s, then --duration seconds at --connections. `serverPids`: the server processes
 * whose CPU is counted as the server's (by default those servers.ts started).
 */
export async function measure(
  context: BenchContext,
  request: { base: string; path: string; headers: Record<string, string> },
  label: { endpoint: string; variant: string },
  serverPids: () => number[] = runningPids,
): Promise<ResultRow> {
  const url = `${request.base}${request.path}`;
  const probe = await fetch(url, { headers: request.headers });
  const body = await probe.text();
  if (!probe.ok)
    throw new Error(
      `${label.endpoint} (${label.variant}): ${url} answered ${probe.status}: ${body.slice(0, 300)}`,
    );
  const { connections, durationSeconds } = context.options;
  const load = { url, headers: request.headers, connections };
  await runLoad({ ...load, durationSeconds: Math.min(2, durationSeconds) });
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
        serverPids,
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
    for (const read of reads) {
      const headers = headersFor(read, data.inputs);
      const label = { endpoint: read.name };
      const base = server.url;
      rows.push(
        await measure(
          context,
          { base, path: trpcPath(read), headers },
          { ...label, variant: 'tRPC' },
        ),
      );
      if (read.rest)
        rows.push(
          await measure(context, { base, path: read.rest, headers }, { ...label, variant: 'REST' }),
        );
    }
  } finally {
    await server.stop();
  }
  return rows;
}

export const thousands = new Intl.NumberFormat('en-US');
