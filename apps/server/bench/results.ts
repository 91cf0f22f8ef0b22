// What a run produces, and where it is written: bench-results/<timestamp>.{json,svg}, latest.*,
// and with --publish docs/bench/latest.{json,svg}.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Phase } from './cli';
import type { CpuUse } from './cpu';
import type { LoadResult } from './load';

export interface ResultRow {
  endpoint: string;
  /** The thing the phase varies: "tRPC", "cache on", "2 via nginx", "1,000,000 articles"... */
  variant: string;
  /** Path and query asked for (no host, no token). */
  request: string;
  result: LoadResult;
  /** Where the machine's CPU went while it was measured (Linux only). */
  cpu?: CpuUse;
  /** With --rounds above 1: the rate of every round, in order; `result` is the median one's. */
  rounds?: number[];
}

export interface PhaseResult {
  phase: Phase;
  title: string;
  /** Conditions: database, data size, connections, seconds. */
  subtitle: string;
  /** In legend order. */
  variants: string[];
  rows: ResultRow[];
  /** Printed under the table: seeding times, caveats. */
  notes: string[];
}

export interface BenchReport {
  version: 1;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  settings: {
    database: 'PGlite' | 'PostgreSQL';
    articles: number;
    users: number;
    durationSeconds: number;
    connections: number;
    /** Added with --rounds; absent (one round) in older results. */
    rounds?: number;
    instances: number;
    /** Added with the capped phase; absent in older results. */
    cappedInstances?: number[];
    instanceCpu?: number;
    sizeArticles: number[];
    /** Added with the feed phase; absent in older results. */
    feedArticles?: number;
    feedFollows?: number[];
    /**
     * Cores the measured server and the load generator were pinned to (pinning.ts), or absent:
     * unpinned, as every result before it.
     */
    pinned?: { server: string; generator: string };
  };
  phases: PhaseResult[];
  skipped: { phase: Phase; reason: string }[];
}

/** `2026-12-02T14:03:05.123Z` → `2026-12-02T14-03-05Z`: sortable, and valid on every filesystem. */
export function fileStamp(iso: string): string {
  return `${iso.slice(0, 19).replaceAll(':', '-')}Z`;
}

/**
 * Writes `<stamp>.json` and `<stamp>.svg` into `dir` and copies them to latest.*; the folder gets
 * a `.gitignore` of its own (`*`), so results never show up as changes to commit.
 */
export async function writeResults(
  dir: string,
  report: BenchReport,
  svg: string,
): Promise<{ json: string; svg: string }> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, '.gitignore'),
    '# Written by `pnpm bench`: results stay out of git (publish one with --publish).\n*\n',
  );
  const stamp = fileStamp(report.startedAt);
  const files = { json: join(dir, `${stamp}.json`), svg: join(dir, `${stamp}.svg`) };
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files.svg, svg);
  await copyFile(files.json, join(dir, 'latest.json'));
  await copyFile(files.svg, join(dir, 'latest.svg'));
  return files;
}

/** Copies a run's files to `docs/bench/latest.{json,svg}` (the committed example). */
export async function publishResults(
  docsDir: string,
  files: { json: string; svg: string },
): Promise<string[]> {
  const target = join(docsDir, 'bench');
  await mkdir(target, { recursive: true });
  const written = [join(target, 'latest.json'), join(target, 'latest.svg')];
  await copyFile(files.json, written[0] as string);
  await copyFile(files.svg, written[1] as string);
  return written;
}
