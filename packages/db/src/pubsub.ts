// PostgreSQL LISTEN/NOTIFY over either driver: messages reach every listener of the database,
// in this process and in any other process connected to the same PostgreSQL server.
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';

/** Stops one listener; resolves once the database no longer sends it anything. */
export type Unlisten = () => Promise<void>;

export interface PubSub {
  /**
   * Calls `handler` with the payload of every notification on `channel` until unlistened.
   * Resolves once LISTEN is in effect, so a notification sent after that is not missed.
   */
  listen(channel: string, handler: (payload: string) => void): Promise<Unlisten>;
  /** Sends `payload` to every listener of `channel` (delivered when the sender's transaction commits). */
  notify(channel: string, payload: string): Promise<void>;
}

/**
 * Stops a listener, waiting at most `ms` for the database to confirm. A stopping server must not
 * hang on a database that went away: postgres.js sends UNLISTEN on its listen connection, and
 * while that connection is being re-made (after an outage) the call waits for it, for as long as
 * reconnecting takes. Past `ms` nothing more arrives anyway: the process is stopping.
 */
export async function unlistenWithin(unlisten: Unlisten, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    unlisten().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** PostgreSQL refuses payloads of 8000 bytes or more (with the default build). */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7999;

/**
 * Lower-case identifiers only: LISTEN folds an unquoted name to lower case while `pg_notify`
 * takes the name as given, so anything else would differ between drivers and senders.
 */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) {
    throw new Error(`Invalid channel name "${channel}": use a-z, 0-9 and _, at most 63`);
  }
}

function checkPayload(payload: string): void {
  const bytes = Buffer.byteLength(payload, 'utf8');
  if (bytes > MAX_NOTIFY_PAYLOAD_BYTES) {
    throw new Error(`Notification payload of ${bytes} bytes is over ${MAX_NOTIFY_PAYLOAD_BYTES}`);
  }
}

/**
 * postgres.js holds one extra connection for all the listens of a pool, and re-issues LISTEN
 * when it reconnects (notifications sent while it was away are lost). `listener`: a client of
 * its own for that connection, when `client` goes through a transaction-mode pooler (LISTEN
 * needs a session; NOTIFY does not, it is sent when its transaction commits).
 */
export function postgresPubSub(client: Sql, listener: Sql = client): PubSub {
  return {
    async listen(channel, handler) {
      checkChannel(channel);
      const { unlisten } = await listener.listen(channel, handler);
      return unlisten;
    },
    async notify(channel, payload) {
      checkChannel(channel);
      checkPayload(payload);
      await client.notify(channel, payload);
    },
  };
}

/** The embedded database has one session: its own NOTIFYs reach its listeners. */
export function pglitePubSub(client: PGlite): PubSub {
  return {
    async listen(channel, handler) {
      checkChannel(channel);
      const unlisten = await client.listen(channel, handler);
      return () => unlisten();
    },
    async notify(channel, payload) {
      checkChannel(channel);
      checkPayload(payload);
      await client.query('select pg_notify($1, $2)', [channel, payload]);
    },
  };
}

const byDatabase = new WeakMap<object, PubSub>();

/** Remembers which connection a Drizzle handle belongs to (done by createDb). */
export function registerPubSub(db: object, pubsub: PubSub): void {
  byDatabase.set(db, pubsub);
}

/**
 * LISTEN/NOTIFY on the database behind a Drizzle handle made by createDb, for code that holds
 * only the handle; undefined for any other handle.
 */
export function pubSubOf(db: object): PubSub | undefined {
  return byDatabase.get(db);
}
