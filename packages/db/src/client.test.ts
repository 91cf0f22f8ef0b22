import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
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

// Only PostgreSQL is shared between processes; an embedded database has one owner.
describe.runIf(process.env.TEST_DATABASE_URL)('PostgreSQL', () => {
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
});
