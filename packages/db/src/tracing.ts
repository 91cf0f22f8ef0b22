// One span per SQL statement, on either driver (neither has an OpenTelemetry instrumentation of
// its own): the client handed to Drizzle is wrapped, as pool-stats.ts wraps it, and so are the
// transaction handles the drivers give Drizzle's transactions. A span carries the statement's
// text as Drizzle sent it, with `$1` placeholders: values travel apart, as parameters, and are
// never recorded. Only inside a traced request (see @conduit/telemetry), and only when the server
// traces at all (DbConfig.traceStatements): otherwise the clients are not wrapped.

import {
  inChildSpan,
  insideTrace,
  type Span,
  SpanKind,
  SpanStatusCode,
  tracer,
} from '@conduit/telemetry';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { DbDriver } from './client';
import { wrapTransactionCallback } from './transaction-callbacks';

const DB_SYSTEM = 'postgresql';

/**
 * The statement's kind and the table it works on: the span's name (`SELECT articles`). A statement
 * that opens with a WITH list names each part of it that writes, then its main statement
 * (`INSERT articles INSERT tags SELECT article`), operations in order as OpenTelemetry's query
 * summaries list them.
 */
export function statementSummary(text: string): string {
  const { parts, main } = withList(text);
  const writes = parts.map(summaryOf).filter((part) => /^(?:INSERT|UPDATE|DELETE)\b/.test(part));
  return [...writes, summaryOf(main)].join(' ');
}

function summaryOf(text: string): string {
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  const target = mainTable(text);
  return target ? `${operation} ${target}` : operation;
}

/** The bodies of a leading WITH list, and the statement after it (all of `text` without one). */
function withList(text: string): { parts: string[]; main: string } {
  const start = /^\s*with\s+(?:recursive\s+)?/i.exec(text);
  if (!start) return { parts: [], main: text };
  const parts: string[] = [];
  const tokens = /"[^"]*"|'[^']*'|[()]/g;
  tokens.lastIndex = start[0].length;
  let depth = 0;
  let body = -1; // where the body being read opened, or -1 inside a column list
  for (let match = tokens.exec(text); match; match = tokens.exec(text)) {
    if (match[0] === '(') {
      // `name (columns) as [not materialized] (body)`: only the group after AS is a body.
      if (depth === 0) {
        body = /\b(?:as|materialized)\s*$/i.test(text.slice(0, match.index)) ? match.index : -1;
      }
      depth++;
    } else if (match[0] === ')' && --depth === 0 && body >= 0) {
      parts.push(text.slice(body + 1, match.index));
      const rest = text.slice(match.index + 1);
      if (!/^\s*,/.test(rest)) return { parts, main: rest };
    }
  }
  return { parts, main: '' };
}

/** `insert into "x"`, `update "x"`, `delete from "x"`, or the first `from "x"` outside brackets. */
function mainTable(text: string): string | undefined {
  const direct = /^\s*(?:insert\s+into|update|delete\s+from)\s+"?([\w.]+)"?/i.exec(text);
  if (direct) return direct[1];
  if (!/^\s*select\b/i.test(text)) return undefined;
  let depth = 0;
  const words = /[()]|"[^"]*"|'[^']*'|\bfrom\s+"?([\w.]+)"?/gi;
  for (let match = words.exec(text); match; match = words.exec(text)) {
    if (match[0] === '(') depth++;
    else if (match[0] === ')') depth--;
    else if (match[1] && depth === 0) return match[1];
  }
  return undefined;
}

function statementAttributes(text: string, driver: DbDriver, summary: string) {
  return {
    'db.system.name': DB_SYSTEM,
    // The name before semantic conventions 1.33, still what many backends read.
    'db.system': DB_SYSTEM,
    // The summary's first operation: a statement with a WITH list is named by what it writes.
    'db.operation.name': summary.split(' ')[0] ?? 'SQL',
    'db.query.text': text,
    'conduit.db.driver': driver,
  };
}

function startStatementSpan(text: string, driver: DbDriver): Span {
  const summary = statementSummary(text);
  return tracer().startSpan(summary, {
    kind: SpanKind.CLIENT,
    attributes: statementAttributes(text, driver, summary),
  });
}

/** Ends the span; a failure is recorded by its SQLSTATE only (messages may quote values). */
function endStatementSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    const code = (error as { code?: unknown } | null)?.code;
    const type = typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
    span.setAttribute('error.type', type);
    if (typeof code === 'string') span.setAttribute('db.response.status_code', code);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

async function inStatementSpan<T>(text: string, driver: DbDriver, run: () => Promise<T>) {
  if (!insideTrace()) return run();
  const span = startStatementSpan(text, driver);
  try {
    const result = await run();
    endStatementSpan(span);
    return result;
  } catch (error) {
    endStatementSpan(span, error);
    throw error;
  }
}

/** A span around a transaction: its statements are its children. */
function inTransactionSpan<T>(driver: DbDriver, run: () => Promise<T>): Promise<T> {
  return inChildSpan(
    'transaction',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': DB_SYSTEM, 'conduit.db.driver': driver },
    },
    run,
  );
}

/**
 * postgres.js queries are lazy promises, started by their first `then` (an await): the span runs
 * from there until the answer, like pool-stats.ts counts them.
 */
function spanWhenAwaited<Q extends PromiseLike<unknown>>(query: Q, text: string): Q {
  const then = query.then.bind(query);
  let started = false;
  const traced: Q['then'] = (onFulfilled, onRejected) => {
    if (!started) {
      started = true;
      if (insideTrace()) {
        const span = startStatementSpan(text, 'postgres');
        then(
          () => endStatementSpan(span),
          (error: unknown) => endStatementSpan(span, error),
        );
      }
    }
    return then(onFulfilled, onRejected);
  };
  // biome-ignore lint/nursery/noFloatingPromises: defines the query's then; nothing is awaited here.
  Object.defineProperty(query, 'then', { value: traced, configurable: true });
  return query;
}

/** The postgres.js client (or a transaction's), with a span per statement Drizzle sends. */
export function tracePostgres(client: Sql): Sql {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'unsafe') {
        return (...args: Parameters<Sql['unsafe']>) =>
          spanWhenAwaited(target.unsafe(...args), args[0]);
      }
      if (key === 'begin' || key === 'savepoint') {
        const method = Reflect.get(target, key, receiver) as (
          ...args: unknown[]
        ) => Promise<unknown>;
        return (...args: unknown[]) =>
          inTransactionSpan('postgres', () =>
            method.apply(target, wrapTransactionCallback(args, tracePostgres)),
          );
      }
      if (key === 'notify') {
        return (channel: string, payload: string) =>
          inStatementSpan('select pg_notify($1, $2)', 'postgres', () =>
            target.notify(channel, payload),
          );
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

type PgliteQueries = Pick<PGlite, 'query' | 'exec'>;

/** `query` and `exec` of PGlite or of one of its transactions, each in a statement span. */
function traceQueries<T extends PgliteQueries>(target: T, key: string | symbol): unknown {
  if (key === 'query') {
    return (...args: Parameters<PGlite['query']>) =>
      inStatementSpan(args[0], 'pglite', () => target.query(...args));
  }
  if (key === 'exec') {
    return (...args: Parameters<PGlite['exec']>) =>
      inStatementSpan(args[0], 'pglite', () => target.exec(...args));
  }
  return undefined;
}

/** PGlite, with a span per statement; its methods read private fields, so they run on PGlite itself. */
export function tracePglite(client: PGlite): PGlite {
  return new Proxy(client, {
    get(target, key) {
      const traced = traceQueries(target, key);
      if (traced) return traced;
      if (key === 'transaction') {
        return <T>(work: (tx: Transaction) => Promise<T>) =>
          inTransactionSpan('pglite', () =>
            target.transaction((tx) => work(tracePgliteTransaction(tx))),
          );
      }
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' && key !== 'constructor' ? value.bind(target) : value;
    },
  });
}

function tracePgliteTransaction(tx: Transaction): Transaction {
  return new Proxy(tx, {
    get(target, key, receiver) {
      return traceQueries(target, key) ?? Reflect.get(target, key, receiver);
    },
  });
}
