// Every statement with parameters Drizzle sends to PostgreSQL is a named prepared statement, not
// only those made with `.prepare(name)` (decision 048). One without parameters postgres.js sends
// over the simple protocol whatever it is asked (one round trip, parsed each time), so it is not
// counted.
//
// Drizzle's postgres-js driver asks postgres.js for an unnamed statement unless the query was
// prepared by name, and postgres.js sends an unnamed statement with parameters in two round trips:
// Parse and Describe first, to learn the parameters' types, then Bind and Execute. PostgreSQL
// parses and plans it each time. Named, a statement is parsed and described once per connection
// (postgres.js keeps it by its text and parameter types) and from then on costs one round trip.
//
// A statement's text names no values (Drizzle binds them as $1, $2...), so the texts are the
// shapes of the code's queries, but a list bound item by item (`in ($1, $2, $3)`) is one shape per
// length. So at most STATEMENTS_MAX texts are prepared, the first that come; any later one goes
// unnamed, as before. (postgres.js keeps a statement by its text and its parameters' types, so a
// text whose parameters come with other types, a null for a number, is another statement.)
// postgres.js drops a connection's statements with the connection (after its idle timeout or its
// lifetime).
import type { Sql, TransactionSql } from 'postgres';
import { wrapTransactionCallback } from './transaction-callbacks';

/** Distinct statement texts prepared, across the pool. */
export const STATEMENTS_MAX = 1_000;

type Unsafe = Sql['unsafe'];

/**
 * `client` (the pool's, or a transaction's) with every `unsafe` statement (what Drizzle sends)
 * named, up to `limit` distinct texts, and the same for the transactions and savepoints it opens.
 */
export function prepareAll<T extends Sql | TransactionSql>(
  client: T,
  limit = STATEMENTS_MAX,
  admitted: Set<string> = new Set(),
): T {
  const admit = (text: string): boolean => {
    if (admitted.has(text)) return true;
    if (admitted.size >= limit) return false;
    admitted.add(text);
    return true;
  };
  const wrap = <S extends Sql | TransactionSql>(inner: S): S => prepareAll(inner, limit, admitted);
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'unsafe') {
        // A statement prepared by name (`prepare: true`) stays prepared whatever the count.
        const unsafe: Unsafe = (text, parameters, options) =>
          target.unsafe(text, parameters, {
            ...options,
            prepare: options?.prepare === true || (parameters?.length ? admit(text) : false),
          });
        return unsafe;
      }
      if (key === 'begin' || key === 'savepoint') {
        const open = Reflect.get(target, key, receiver) as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => open.apply(target, wrapTransactionCallback(args, wrap));
      }
      return Reflect.get(target, key, receiver);
    },
  });
}
