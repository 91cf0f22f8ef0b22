// prepareAll against PostgreSQL's own list of a session's prepared statements
// (pg_prepared_statements): one connection, so every statement runs in the session asked.
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb, type DbConnection } from './client';
import { prepareAll } from './prepare-all';
import { articles, users } from './schema/index';
import { getTestDatabaseUrl } from './testing';

const url = await getTestDatabaseUrl();

let raw: Sql | undefined;
let conn: DbConnection | undefined;
afterEach(async () => {
  await raw?.end();
  await conn?.close();
  raw = conn = undefined;
});

/** Drizzle over one connection, every statement prepared up to `limit` texts. */
function open(limit?: number) {
  raw = postgres(url ?? '', { max: 1, onnotice: () => {} });
  return drizzle(prepareAll(raw, limit));
}

type Executes = { execute(query: ReturnType<typeof sql>): PromiseLike<unknown> };

/** The statements this session has prepared that read `table`, with how often each ran. */
async function runsOf(db: Executes, table: string) {
  const rows = (await db.execute(
    sql`select statement, (generic_plans + custom_plans)::int as runs from pg_prepared_statements
        where statement like ${`%from "${table}"%`} order by prepare_time`,
  )) as unknown as { statement: string; runs: number }[];
  return rows;
}

/** The statements this session has prepared that read `table`, by their text. */
const preparedOn = async (db: Executes, table: string) =>
  (await runsOf(db, table)).map((row) => row.statement);

describe.skipIf(!url)('prepareAll (PostgreSQL)', () => {
  it('prepares each statement text once, and runs it again by name', async () => {
    const db = open();
    for (const id of [1, 2, 3]) await db.select().from(users).where(eq(users.id, id));
    const prepared = await runsOf(db, 'users');
    expect(prepared).toHaveLength(1);
    expect(prepared[0]?.statement).toMatch(/where "users"\."id" = \$1/);
    expect(prepared[0]?.runs).toBe(3);
  });

  it('leaves a statement without parameters alone (postgres.js sends it as simple text)', async () => {
    const db = open(1);
    await db.select({ n: sql`count(*)` }).from(users);
    await db.select().from(users).where(eq(users.id, 1));
    // The limit of one text went to the statement with a parameter.
    expect(await preparedOn(db, 'users')).toEqual([expect.stringMatching(/= \$1/)]);
  });

  it('prepares the statements of transactions and savepoints too', async () => {
    const db = open();
    await db.transaction(async (tx) => {
      await tx.select().from(users).where(eq(users.id, 1));
      await tx.transaction(async (inner) => {
        await inner.select().from(articles).where(eq(articles.id, 1));
      });
    });
    expect(await preparedOn(db, 'users')).toHaveLength(1);
    expect(await preparedOn(db, 'articles')).toHaveLength(1);
  });

  it('past its limit of texts, sends new ones unnamed, and keeps preparing those it took', async () => {
    const db = open(2);
    await db.select().from(users).where(eq(users.id, 1));
    await db.select({ id: users.id }).from(users).where(eq(users.id, 1));
    // A third text, and the query that lists them (a fourth): neither is prepared.
    await db.select({ username: users.username }).from(users).where(eq(users.id, 1));
    await db.select().from(users).where(eq(users.id, 2));
    const prepared = await runsOf(db, 'users');
    expect(prepared).toHaveLength(2);
    // The first text ran twice by name: it stayed prepared past the limit.
    expect(prepared.map((row) => row.runs)).toEqual([2, 1]);
  });

  it('is left out when prepared statements are off (a pooler that does not track them)', async () => {
    conn = await createDb({ url, poolMax: 1, prepare: false });
    for (const id of [1, 2]) await conn.db.select().from(users).where(eq(users.id, id));
    expect(await preparedOn(conn.db, 'users')).toEqual([]);
  });

  it('is in use by createDb', async () => {
    conn = await createDb({ url, poolMax: 1 });
    for (const id of [1, 2]) await conn.db.select().from(users).where(eq(users.id, id));
    expect(await preparedOn(conn.db, 'users')).toHaveLength(1);
  });
});
