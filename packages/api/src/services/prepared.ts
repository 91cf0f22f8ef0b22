// Hot queries built once (issue 16, decision 037). A Drizzle query prepared with placeholders is
// turned into SQL text the first time and only bound afterwards; building it again on every call
// was a large share of a request (a fifth of a favorite, a third of a comment page). When this
// was first written it was also the only way to get a named statement from Drizzle over
// postgres.js; every statement with parameters is named now (decision 048), so what is left here
// is the building.
// Prepared, article.get went from 1,572 to 4,227 req/s and the database's share of the CPU from
// 0.6 to 0.3 cores (docs/benchmarks.md).
//
// One per database handle; a transaction's handle gets none (it lives for one transaction) and
// its callers build the query as before.
import { type Database, isTransaction } from '@conduit/db';

export function preparedPer<T>(build: (db: Database) => T): (db: Database) => T | undefined {
  const built = new WeakMap<Database, T>();
  return (db) => {
    if (isTransaction(db)) return undefined;
    let prepared = built.get(db);
    if (prepared === undefined) {
      prepared = build(db);
      built.set(db, prepared);
    }
    return prepared;
  };
}

/**
 * Queries of one kind in several shapes (which filters are given, a cursor or not, ...): one
 * prepared statement per database handle and shape, built on first use. `shape` must come from a
 * small fixed set, never from what a client sends.
 */
export function preparedByShape<T>(
  build: (db: Database, shape: string) => T,
): (db: Database, shape: string) => T | undefined {
  const shapes = preparedPer(() => new Map<string, T>());
  return (db, shape) => {
    const built = shapes(db);
    if (!built) return undefined;
    let prepared = built.get(shape);
    if (prepared === undefined) {
      prepared = build(db, shape);
      built.set(shape, prepared);
    }
    return prepared;
  };
}
