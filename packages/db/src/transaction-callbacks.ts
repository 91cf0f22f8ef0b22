// postgres.js hands a transaction (`begin`) or a savepoint a handle of its own, as the parameter
// of the callback it is given last: a wrapper of the pool's handle (tracing, prepared statements)
// wraps that handle too.
import type { Sql } from 'postgres';

/** The arguments of a `begin` or `savepoint` call, with the callback handed `wrap(handle)`. */
export function wrapTransactionCallback(args: unknown[], wrap: (handle: Sql) => Sql): unknown[] {
  const last = args.at(-1);
  if (typeof last !== 'function') return args;
  return [...args.slice(0, -1), (handle: Sql) => last(wrap(handle))];
}
