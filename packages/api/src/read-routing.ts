// Where a request's lag-tolerant reads go (decision 039): a read replica, unless the client has
// just written. After a signed-in client's write commits, the primary's log position is kept for
// that client (in Redis when configured, so every instance knows it; else in this process), and
// until a replica has replayed that position, the client's reads go to the primary. Each client
// thus reads its own writes through any instance, and returns to the replicas as soon as one has
// caught up, not after a fixed time.
import type { Database, Lsn, Replicas } from '@conduit/db';

/** The log position of each client's last write, kept for a while. */
export interface WritePositions {
  /** The position the client's last recent write committed at, if one is kept. */
  get(client: string): Promise<Lsn | undefined>;
  /** Keeps `position` for `ttlMs`, unless a later position is kept already (writes race). */
  put(client: string, position: Lsn, ttlMs: number): Promise<void>;
}

/** What a request's context uses: where its reads go, and what its writes leave behind. */
export interface ReadRouting {
  /** The handle for the lag-tolerant reads of `client` (undefined: an anonymous reader). */
  readDbFor(client: string | undefined): Promise<Database>;
  /** Called when `client`'s write has committed, before it is answered. */
  wrote(client: string): Promise<void>;
}

/**
 * Kept when the position could not be read (the primary went away just after the commit): no
 * replica has replayed it, so the client reads from the primary until it is forgotten.
 */
const UNKNOWN_POSITION: Lsn = 0xffff_ffff_ffff_ffffn;

export interface ReadRoutingOptions {
  /** Told of a failure of the store or of the primary; routing goes on, to the primary. */
  onError?: (error: unknown, doing: string) => void;
}

export function routeReads(
  replicas: Replicas,
  positions: WritePositions,
  { onError = () => {} }: ReadRoutingOptions = {},
): ReadRouting {
  // A replica in service is at most maxLagMs behind, as last polled: once a position is older
  // than that (and a few polls more), every replica in service has replayed it, so it can go.
  const keepMs = 2 * replicas.maxLagMs + 2000;
  return {
    async readDbFor(client) {
      if (client === undefined) return replicas.readDb();
      try {
        return replicas.readDb(await positions.get(client));
      } catch (error) {
        // Not knowing whether the client just wrote, the primary is the safe answer.
        onError(error, 'reading where the client last wrote');
        return replicas.readDb(UNKNOWN_POSITION);
      }
    },
    async wrote(client) {
      const position = await replicas.primaryPosition().catch((error: unknown) => {
        onError(error, 'reading the primary log position after a write');
        return UNKNOWN_POSITION;
      });
      await positions.put(client, position, keepMs).catch((error: unknown) => {
        // The write has committed: it is answered. While the store is out, readDbFor cannot read
        // it either and sends every signed-in read to the primary.
        onError(error, 'keeping where the client last wrote');
      });
    },
  };
}

/** Positions in this process: enough for one instance (WORKERS and several hosts need Redis). */
export function createMemoryWritePositions(now: () => number = Date.now): WritePositions {
  const kept = new Map<string, { position: Lsn; until: number }>();
  let puts = 0;
  return {
    async get(client) {
      const entry = kept.get(client);
      if (!entry) return undefined;
      if (entry.until > now()) return entry.position;
      kept.delete(client);
      return undefined;
    },
    async put(client, position, ttlMs) {
      const entry = kept.get(client);
      const live = entry && entry.until > now();
      kept.set(client, {
        position: live && entry.position > position ? entry.position : position,
        until: now() + ttlMs,
      });
      // Now and then, forget what has expired, so the map holds only recent writers.
      if (++puts % 1000 === 0) {
        for (const [key, value] of kept) if (value.until <= now()) kept.delete(key);
      }
    },
  };
}

/** The client a write belongs to: its user (a session or a personal access token). */
export const writerKey = (userId: number) => `user:${userId}`;

/**
 * For processes that cannot share positions (WORKERS above 1 without Redis): a write through one
 * process is unknown to the others, so every signed-in client is taken to have just written and
 * reads from the primary; anonymous readers still go to the replicas.
 */
export const unsharedWritePositions: WritePositions = {
  get: async () => UNKNOWN_POSITION,
  put: async () => {},
};
