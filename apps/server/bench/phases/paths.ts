// Phase `paths`: each read over tRPC and over REST on one server, then the SQL those reads sent
// replayed through a bare Fastify route. The cache is off, so all three do the same database work.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDb } from '@conduit/db';
import type { CapturedStatement } from '../baseline';
import { capturePlan, mainReads, onlyNamed } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { startBaseline } from '../servers';
import {
  type BenchContext,
  measure,
  measureSurfaces,
  pairedRatiosNote,
  type SharedData,
  sharedTurnsSubtitle,
  thousands,
} from './common';

export async function runPaths(context: BenchContext, data: SharedData): Promise<PhaseResult> {
  const reads = onlyNamed(mainReads(data.inputs), context.options.endpoints);
  const rows: ResultRow[] = [];

  context.log('paths: recording the SQL of each read...');
  const capture: { into: CapturedStatement[] | undefined } = { into: undefined };
  const conn = await createDb({
    ...data.database.config,
    onQuery: (statement, params) => capture.into?.push({ sql: statement, params }),
  });
  let plan: Awaited<ReturnType<typeof capturePlan>>;
  try {
    plan = await capturePlan(conn.db, capture, reads, data.inputs);
  } finally {
    await conn.close();
  }

  context.log('paths: tRPC and REST, cache off...');
  rows.push(...(await measureSurfaces(context, data, reads)));

  context.log('paths: the same SQL through the bare route...');
  const planFile = join(context.work, 'plan.json');
  await writeFile(planFile, JSON.stringify(plan));
  const baseline = await startBaseline(data.database, planFile);
  try {
    for (const read of reads)
      rows.push(
        await measure(
          context,
          { base: baseline.url, path: `/baseline/${encodeURIComponent(read.name)}`, headers: {} },
          { endpoint: read.name, variant: 'bare SQL' },
        ),
      );
  } finally {
    await baseline.stop();
  }

  return {
    phase: 'paths',
    title: 'Request paths: tRPC vs REST vs the bare SQL',
    subtitle: sharedTurnsSubtitle(context, data, 'cache off (CACHE_TTL_MS=0)'),
    variants: ['tRPC', 'REST', 'bare SQL'],
    rows,
    notes: [
      `Seeded ${thousands.format(data.articles)} articles and ${thousands.format(data.users)} users with the JS seeder in ${data.seedSeconds.toFixed(1)} s.`,
      'bare SQL: the statements the tRPC procedure sent, replayed by a bare Fastify route (no tRPC, zod, context, session or Markdown).',
      ...pairedRatiosNote(rows),
    ],
  };
}
