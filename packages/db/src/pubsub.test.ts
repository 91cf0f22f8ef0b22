import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDb,
  type DbConnection,
  MAX_NOTIFY_PAYLOAD_BYTES,
  pubSubOf,
  unlistenWithin,
} from './client';
import { getTestDatabaseUrl, getTestDb } from './testing';

let conn: DbConnection;
beforeAll(async () => {
  conn = await getTestDb();
});

/** Collects the payloads `listen` hands over, and waits for a number of them. */
function inbox() {
  const received: string[] = [];
  return {
    received,
    handler: (payload: string) => received.push(payload),
    async waitFor(count: number, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count && Date.now() < deadline) await sleep(10);
      return received;
    },
  };
}

let channelSeq = 0;
const freshChannel = () => `test_pubsub_${process.pid}_${++channelSeq}`;

describe('LISTEN/NOTIFY', () => {
  it('delivers notifications to listeners of the channel until they unlisten', async () => {
    const channel = freshChannel();
    const mine = inbox();
    const other = inbox();
    const unlisten = await conn.listen(channel, mine.handler);
    const unlistenOther = await conn.listen(freshChannel(), other.handler);
    try {
      await conn.notify(channel, 'first');
      await conn.notify(channel, '{"articleId":1}');
      expect(await mine.waitFor(2)).toEqual(['first', '{"articleId":1}']);
      await unlisten();
      await conn.notify(channel, 'too late');
      await sleep(100);
      expect(mine.received).toEqual(['first', '{"articleId":1}']);
      expect(other.received).toEqual([]);
    } finally {
      await unlistenOther();
    }
  });

  it('delivers a NOTIFY sent in a transaction at commit, and never one rolled back', async () => {
    const channel = freshChannel();
    const box = inbox();
    const unlisten = await conn.listen(channel, box.handler);
    try {
      await conn.db
        .transaction(async (tx) => {
          await tx.execute(sql`select pg_notify(${channel}, 'rolled back')`);
          throw new Error('abort');
        })
        .catch(() => {});
      await conn.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_notify(${channel}, 'committed')`);
      });
      expect(await box.waitFor(1)).toEqual(['committed']);
      await sleep(100);
      expect(box.received).toEqual(['committed']);
    } finally {
      await unlisten();
    }
  });

  it('is reachable from the Drizzle handle alone', async () => {
    expect(pubSubOf(conn.db)).toBeDefined();
    expect(pubSubOf({})).toBeUndefined();
  });

  it('refuses channel names that LISTEN would fold, and payloads PostgreSQL would refuse', async () => {
    await expect(conn.listen('Mixed_Case', () => {})).rejects.toThrow('Invalid channel name');
    await expect(conn.notify('a; drop table users', 'x')).rejects.toThrow('Invalid channel name');
    const big = 'é'.repeat(MAX_NOTIFY_PAYLOAD_BYTES / 2 + 1);
    await expect(conn.notify(freshChannel(), big)).rejects.toThrow('payload');
  });
});

// Two connections stand for two server instances on one PostgreSQL database.
describe.runIf(process.env.TEST_DATABASE_URL)('LISTEN/NOTIFY (needs TEST_DATABASE_URL)', () => {
  let other: DbConnection;
  beforeAll(async () => {
    other = await createDb({ url: await getTestDatabaseUrl(), poolMax: 1 });
  });
  afterAll(() => other.close());

  it('reaches listeners on another connection to the same database', async () => {
    const channel = freshChannel();
    const box = inbox();
    const unlisten = await other.listen(channel, box.handler);
    try {
      await conn.notify(channel, 'from the first instance');
      expect(await box.waitFor(1)).toEqual(['from the first instance']);
    } finally {
      await unlisten();
    }
  });
});

describe('unlistenWithin', () => {
  it('waits for the database to confirm, but no longer than asked', async () => {
    let confirmed = false;
    await unlistenWithin(async () => {
      await sleep(10);
      confirmed = true;
    }, 1000);
    expect(confirmed).toBe(true);

    // A listen connection being re-made after an outage: UNLISTEN would wait for it.
    const started = Date.now();
    await unlistenWithin(() => new Promise<void>(() => {}), 50);
    expect(Date.now() - started).toBeLessThan(1000);
    // A refusal is not the stopping server's problem.
    await expect(unlistenWithin(() => Promise.reject(new Error('gone')), 50)).resolves.toBe(
      undefined,
    );
  });
});
