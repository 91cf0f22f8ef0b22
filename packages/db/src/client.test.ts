import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from './client';
import { tags } from './schema/index';
import { getTestDatabaseUrl } from './testing';

describe('embedded database', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('keeps what was written across a close and reopen of its folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conduit-pglite-'));
    dirs.push(dir);

    const first = await createDb({ pgliteDir: join(dir, 'data') });
    expect(first.driver).toBe('pglite');
    await first.migrate();
    await first.db.insert(tags).values({ name: 'persisted' });
    await first.close();

    const second = await createDb({ pgliteDir: join(dir, 'data') });
    await second.migrate();
    const rows = await second.db.select().from(tags).where(eq(tags.name, 'persisted'));
    await second.ping();
    await second.close();
    expect(rows).toHaveLength(1);
  });
});

/** The rows of a raw statement, whose result type drizzle leaves open across drivers. */
const rows = <T>(result: unknown) => result as T[];

// Only PostgreSQL is shared between processes; an embedded database has one owner.
describe.runIf(process.env.TEST_DATABASE_URL)('PostgreSQL (needs TEST_DATABASE_URL)', () => {
  it('lets several instances migrate at once, even on single-connection pools', async () => {
    const url = await getTestDatabaseUrl();
    const instances = await Promise.all([1, 2, 3].map(() => createDb({ url, poolMax: 1 })));
    try {
      await Promise.all(instances.map((instance) => instance.migrate()));
      for (const instance of instances) await instance.ping();
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
    }
  });

  // postgres.js (3.4.9, still 3.4.10) sends a transaction's ROLLBACK on the connection that just
  // dropped and then throws from a timer, killing the process (porsager/postgres#1208); patches/
  // holds our fix (decision 013).
  it('survives a connection dropped inside a transaction, and serves on', async () => {
    const url = await getTestDatabaseUrl();
    const instance = await createDb({ url, poolMax: 2 });
    const admin = await createDb({ url, poolMax: 1 });
    try {
      const transaction = instance.db.transaction(async (tx) => {
        const [row] = rows<{ pid: number }>(await tx.execute(sql`select pg_backend_pid() as pid`));
        setTimeout(() => {
          admin.db.execute(sql`select pg_terminate_backend(${row?.pid})`).catch(() => {});
        }, 100);
        await tx.execute(sql`select pg_sleep(5)`);
      });
      // Either the server's 57P01 or the driver's CONNECTION_CLOSED, whichever is read first.
      await expect(transaction).rejects.toThrow(/administrator command|CONNECTION_CLOSED/);
      // Let the timer that used to throw run, then use the pool again, inside and outside of a
      // transaction, on every connection it has: the dropped one must not keep the server's
      // last error (57P01) and fail the first query of its next socket with it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const answers = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          instance.db.transaction(async (tx) =>
            rows<{ n: number }>(await tx.execute(sql`select ${n}::int as n`)),
          ),
        ),
      );
      expect(answers.map(([row]) => row?.n)).toEqual([1, 2, 3, 4]);
      await instance.ping();
    } finally {
      await Promise.all([instance.close(), admin.close()]);
    }
  });
});
