import type { DbConnection } from '@conduit/db';
import { getTestDb } from '@conduit/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { copiesKeptByServers, onSessionsEnded, SESSIONS_ENDED_CHANNEL } from './session-notices';
import { generateSessionToken } from './tokens';

let conn: DbConnection;
beforeAll(async () => {
  conn = await getTestDb();
});

describe('announcing ended sessions to the servers', () => {
  it('reaches a listener with every id, however many, and ignores what is not an announcement', async () => {
    const heard: string[] = [];
    const unlisten = await onSessionsEnded(conn, (ids) => heard.push(...ids));
    try {
      // More than one notification's worth: each carries at most 7999 bytes.
      const ids = Array.from({ length: 700 }, () => generateSessionToken().id);
      await conn.notify(SESSIONS_ENDED_CHANNEL, 'not json');
      await conn.notify(SESSIONS_ENDED_CHANNEL, JSON.stringify(['../../etc', 42]));
      await copiesKeptByServers(conn).forget(ids);
      const deadline = Date.now() + 5000;
      while (heard.length < ids.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(heard).toEqual(ids);
    } finally {
      await unlisten();
    }
  });
});
