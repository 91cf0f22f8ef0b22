// Phase `search` (decision 030): typical searches over tRPC and REST on one server, and the plan
// of the search with the most matches (the most used tag), as PostgreSQL ran it.
import { createDb, sql } from '@conduit/db';
import type { CapturedStatement } from '../baseline';
import { capturePlan, onlyNamed, type Read, type ReadInputs, searchReads } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import type { DatabaseTarget } from '../servers';
import { type BenchContext, measureSurfaces, type SharedData, sharedTurnsSubtitle } from './common';

export async function runSearch(context: BenchContext, data: SharedData): Promise<PhaseResult> {
  const reads = onlyNamed(searchReads(data.inputs), context.options.endpoints);
  const notes = [
    `Queries: ${reads.map((read) => JSON.stringify((read.trpc.input as { q: string }).q)).join(', ')}.`,
  ];
  const [widest] = reads;
  if (widest) notes.push(...(await explainSearch(context, data.database, data.inputs, widest)));

  const rows: ResultRow[] = [];
  context.log('search: tRPC and REST...');
  rows.push(...(await measureSurfaces(context, data, reads)));

  return {
    phase: 'search',
    title: 'Search: typical queries',
    subtitle: sharedTurnsSubtitle(context, data),
    variants: ['tRPC', 'REST'],
    rows,
    notes,
  };
}

/** EXPLAIN ANALYZE of each statement the read sends, as note lines: the plan's shape and times. */
export async function explainSearch(
  context: BenchContext,
  database: DatabaseTarget,
  inputs: ReadInputs,
  read: Read,
): Promise<string[]> {
  context.log(`search: the plan of ${read.name}...`);
  const capture: { into: CapturedStatement[] | undefined } = { into: undefined };
  const conn = await createDb({
    ...database.config,
    onQuery: (statement, params) => capture.into?.push({ sql: statement, params }),
  });
  try {
    const plan = await capturePlan(conn.db, capture, [read], inputs);
    const lines: string[] = [];
    for (const [n, statement] of (plan[read.name] ?? []).entries()) {
      const result: unknown = await conn.db.execute(
        sql.raw(`explain (analyze, costs off) ${withLiterals(statement)}`),
      );
      // postgres.js answers the rows as an array, PGlite as `{ rows }`.
      const rows = (
        Array.isArray(result) ? result : (result as { rows: unknown[] }).rows
      ) as Record<string, unknown>[];
      const text = rows.map((row) => String(Object.values(row)[0]));
      lines.push(`${read.name}, statement ${n + 1}:`, ...text.map((line) => `  ${line}`));
    }
    for (const line of lines) context.log(`  ${line}`);
    return lines;
  } finally {
    await conn.close();
  }
}

/** The statement with its parameters written in as literals (our own values, for EXPLAIN only). */
function withLiterals({ sql: statement, params }: CapturedStatement): string {
  return statement.replace(/\$(\d+)/g, (_, n: string) => {
    const value = params[Number(n) - 1];
    return typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`;
  });
}
