import { recordSpans, type SpanRecorder } from '@conduit/telemetry/testing';
import { trace } from '@opentelemetry/api';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type DbConnection, IN_MEMORY } from './client';
import { getTestDatabaseUrl } from './testing';
import { statementSummary } from './tracing';

const SECRET = 'a value nobody may read in a trace';

/** Runs `work` inside a recorded parent span, as a traced request would. */
function inRequest<T>(work: () => Promise<T>): Promise<T> {
  return trace.getTracer('test').startActiveSpan('request', async (span) => {
    try {
      return await work();
    } finally {
      span.end();
    }
  });
}

describe('a span per SQL statement', () => {
  let recorder: SpanRecorder;
  let database: DbConnection;

  beforeAll(async () => {
    recorder = recordSpans();
    const url = await getTestDatabaseUrl();
    // A database of its own: the worker's shared one is not traced.
    database = await createDb(
      url
        ? { url, poolMax: 2, traceStatements: true }
        : { pgliteDir: IN_MEMORY, traceStatements: true },
    );
  });
  afterAll(async () => {
    await database?.close();
    await recorder?.stop();
  });
  beforeEach(() => recorder.clear());

  const named = (name: string) => recorder.spans().filter((span) => span.name === name);

  it('records the statement text with placeholders, never the values, as a child of the request', async () => {
    await inRequest(() => database.db.execute(sql`select ${SECRET}::text as said`));
    const [request] = named('request');
    const [statement] = named('SELECT');
    expect(statement?.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.system': 'postgresql',
      'db.operation.name': 'SELECT',
      'db.query.text': 'select $1::text as said',
      'conduit.db.driver': database.driver,
    });
    expect(statement?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(JSON.stringify(recorder.spans().map((span) => span.attributes))).not.toContain(SECRET);
  });

  it('puts the statements of a transaction under a transaction span', async () => {
    await inRequest(() =>
      database.db.transaction(async (tx) => {
        await tx.execute(sql`select ${1}::int as one`);
        await tx.transaction((nested) => nested.execute(sql`select ${2}::int as two`));
      }),
    );
    const [request] = named('request');
    const transactions = named('transaction');
    const outer = transactions.find(
      (span) => span.parentSpanContext?.spanId === request?.spanContext().spanId,
    );
    expect(outer).toBeDefined();
    const one = recorder
      .spans()
      .find((span) => span.attributes['db.query.text'] === 'select $1::int as one');
    expect(one?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    const two = recorder
      .spans()
      .find((span) => span.attributes['db.query.text'] === 'select $1::int as two');
    expect(two?.spanContext().traceId).toBe(request?.spanContext().traceId);
  });

  it('marks a failed statement by its SQLSTATE, without the message that quotes the value', async () => {
    await expect(
      inRequest(() => database.db.execute(sql`select ${SECRET}::int`)),
    ).rejects.toThrow();
    const [statement] = named('SELECT');
    expect(statement?.status.code).toBe(2); // ERROR
    expect(statement?.attributes['db.response.status_code']).toBe('22P02');
    expect(statement?.events).toEqual([]);
    const { attributes, status, events } = statement ?? {};
    expect(JSON.stringify({ attributes, status, events })).not.toContain(SECRET);
  });

  it('makes no span for a statement outside a traced request (background work)', async () => {
    await database.db.execute(sql`select 1`);
    await database.db.transaction((tx) => tx.execute(sql`select 2`));
    expect(recorder.spans()).toEqual([]);
  });
});

describe('statementSummary', () => {
  it('names the operation and the table it works on', () => {
    expect(statementSummary('insert into "articles" ("slug") values ($1)')).toBe('INSERT articles');
    expect(statementSummary('update "users" set "bio" = $1')).toBe('UPDATE users');
    expect(statementSummary('delete from "sessions" where "id" = $1')).toBe('DELETE sessions');
    expect(
      statementSummary(
        'select "id", (select count(*) from "favorites" where "x" = $1) from "articles" where "slug" = $2',
      ),
    ).toBe('SELECT articles');
    expect(statementSummary('select 1')).toBe('SELECT');
  });

  it('names the writing parts of a WITH list, then the statement after it', () => {
    expect(statementSummary('with x as (select 1) select * from x')).toBe('SELECT x');
    expect(
      statementSummary(
        'with "a" as (insert into "articles" ("slug") values ($1) returning "id"), ' +
          '"t" ("id") as materialized (insert into "tags" ("name") select n from unnest($2::text[]) as n, "a" returning "id"), ' +
          '"r" as (select "id" from "users" where "name" = \')(\'), ' +
          '"l" as (insert into "article_tags" select "a"."id", "t"."id" from "a", "t") ' +
          'select "slug" from "a"',
      ),
    ).toBe('INSERT articles INSERT tags INSERT article_tags SELECT a');
    expect(
      statementSummary('with recursive r as (delete from "x" returning 1) update "y" set z = 1'),
    ).toBe('DELETE x UPDATE y');
  });
});
