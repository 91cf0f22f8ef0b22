// Hot reads built once (issue 16): a Drizzle query prepared with placeholders is turned into SQL
// text the first time and only bound afterwards, where building it on every call was about a
// tenth of an uncached article read's time. One per database handle; a transaction's handle gets
// none (it lives for one transaction) and its callers build the query as before.
//
// Prepared here means Drizzle's statement object. Whether PostgreSQL also keeps a named
// statement is the driver's setting: postgres.js prepares unless DATABASE_PREPARED_STATEMENTS is
// false (behind a transaction-mode pooler), PGlite has one session.
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
