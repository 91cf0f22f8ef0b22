// poolStats() against what the database itself shows: connections held, work waiting for one.
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDb, type DbConnection, IN_MEMORY } from './client';
import { getTestDatabaseUrl } from './testing';

const url = await getTestDatabaseUrl();
const POOL_MAX = 2;

let conn: DbConnection | undefined;
/** Lets transactions held open by a test end, even when it failed half-way. */
let release = () => {};
afterEach(async () => {
  release();
  await conn?.close();
  conn = undefined;
});

/** Drizzle's queries run when first awaited; this starts one without waiting for it. */
const start = <T>(query: PromiseLike<T>): Promise<T> => Promise.resolve(query);

/** A pool of POOL_MAX on PostgreSQL, the embedded database (a pool of one) otherwise. */
async function open(): Promise<DbConnection> {
  conn = url
    ? await createDb({ url, poolMax: POOL_MAX })
    : await createDb({ pgliteDir: IN_MEMORY });
  return conn;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000) {
  for (let waited = 0; waited < ms; waited += 10) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** PostgreSQL's own view, asked over a connection of its own. */
const observer = url ? postgres(url, { max: 1 }) : undefined;
afterAll(() => observer?.end());

/** Sessions of this test database in `state` whose statement is like `query`. */
async function serverSessions(state: string, query = '%'): Promise<number> {
  if (!observer) throw new Error('PostgreSQL only');
  const [row] = await observer<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and state = ${state} and query like ${query}`;
  return row?.n ?? -1;
}

describe('poolStats', () => {
  it('counts connections held by transactions and statements waiting for one', async () => {
    const { db, poolStats } = await open();
    const max = url ? POOL_MAX : 1;
    expect(poolStats()).toEqual({ max, inUse: 0, waiting: 0, queries: 0 });

    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holders = Array.from({ length: max }, () =>
      db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        await gate;
      }),
    );
    await until('every connection held', () => poolStats().inUse === max);
    const extra = start(db.execute(sql`select 2`));
    await until('a statement waiting', () => poolStats().waiting === 1);
    expect(poolStats()).toMatchObject({ max, inUse: max, waiting: 1 });
    // Held from the pool's side as soon as BEGIN is sent; the server says so once each `select 1`
    // has been answered, which on a busy machine can come a moment later.
    if (url)
      await until(
        'every transaction idle on the server',
        async () => (await serverSessions('idle in transaction')) === max,
      );

    release();
    await Promise.all([...holders, extra]);
    // One `select 1` per transaction and the extra statement (begin and commit are not Drizzle's).
    expect(poolStats()).toEqual({ max, inUse: 0, waiting: 0, queries: max + 1 });
  });

  // PGlite runs a statement synchronously: nothing can look at the gauge while one runs.
  it.runIf(url)(
    'counts statements while PostgreSQL runs them (needs TEST_DATABASE_URL)',
    async () => {
      const { db, poolStats } = await open();
      const sleeps = Array.from({ length: POOL_MAX + 1 }, () =>
        start(db.execute(sql`select pg_sleep(1)`)),
      );
      await until('the pool busy', () => poolStats().inUse === POOL_MAX);
      expect(poolStats()).toMatchObject({ inUse: POOL_MAX, waiting: 1 });
      await until('PostgreSQL running them', async () => {
        return (await serverSessions('active', 'select pg_sleep%')) === POOL_MAX;
      });
      expect(poolStats()).toMatchObject({ inUse: POOL_MAX, waiting: 1 });

      await Promise.all(sleeps);
      expect(poolStats()).toEqual({ max: POOL_MAX, inUse: 0, waiting: 0, queries: POOL_MAX + 1 });
    },
  );

  it('counts a statement that fails, and frees its connection', async () => {
    const { db, poolStats } = await open();
    await expect(db.execute(sql`select * from no_such_table`)).rejects.toThrow();
    expect(poolStats()).toMatchObject({ inUse: 0, waiting: 0, queries: 1 });
  });
});
