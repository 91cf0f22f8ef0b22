// The harness the replica and multi-host tests stand on: a primary and a streaming replica made
// here, in temp folders, with the machine's PostgreSQL binaries.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PgNode,
  pgClusterMissing,
  startPrimary,
  startReplica,
  waitForReplay,
} from './pg-cluster';
import { freePort } from './process';

const missing = pgClusterMissing();

describe.skipIf(missing)(
  `a primary and a streaming replica${missing ? ` (${missing})` : ''}`,
  {
    timeout: 60_000,
  },
  () => {
    let primary: PgNode | undefined;
    let replica: PgNode | undefined;

    beforeAll(async () => {
      primary = await startPrimary({ port: await freePort() });
      replica = await startReplica(primary, { port: await freePort() });
    }, 60_000);

    afterAll(async () => {
      await replica?.remove();
      await primary?.remove();
    });

    it('replays what the primary commits, and refuses writes itself', async () => {
      if (!primary || !replica) throw new Error('not started');
      const [source, target] = [
        postgres(primary.url, { max: 1 }),
        postgres(replica.url, { max: 1 }),
      ];
      try {
        await source`create table notes (id int primary key, text text not null)`;
        await source`insert into notes values (1, 'written on the primary')`;
        await waitForReplay(primary, replica);
        expect(await target`select text from notes`).toEqual([{ text: 'written on the primary' }]);
        expect(await target`select pg_is_in_recovery() as recovering`).toEqual([
          { recovering: true },
        ]);
        await expect(target`insert into notes values (2, 'x')`).rejects.toThrow(/read-only/);
      } finally {
        await Promise.all([source.end(), target.end()]);
      }
    });

    it('catches up after it was stopped while the primary kept writing', async () => {
      if (!primary || !replica) throw new Error('not started');
      await replica.stop();
      const source = postgres(primary.url, { max: 1 });
      try {
        await source`insert into notes values (3, 'written while the replica was down')`;
      } finally {
        await source.end();
      }
      await replica.start();
      await waitForReplay(primary, replica);
      const target = postgres(replica.url, { max: 1 });
      try {
        expect(await target`select id from notes order by id`).toEqual([{ id: 1 }, { id: 3 }]);
      } finally {
        await target.end();
      }
    });
  },
);
