import { type AnyColumn, type SQL, sql } from 'drizzle-orm';

/**
 * Descending order as our indexes store it. drizzle-kit builds `.desc()` index columns as
 * `DESC NULLS LAST`, but Drizzle's query `desc()` emits plain `DESC` (nulls first), which the
 * planner cannot serve from those indexes: it would sort the whole table for one page.
 */
export function descIndexed(column: AnyColumn): SQL {
  return sql`${column} desc nulls last`;
}
