// Sessions ended where no cache is at hand (the admin CLI, a process of its own) are announced
// through PostgreSQL NOTIFY; every server LISTENs and drops its copies, in process or in Redis
// (the api's session-cache.ts). The database is the one thing the CLI and all servers share,
// with or without Redis.
import { MAX_NOTIFY_PAYLOAD_BYTES, type PubSub, type Unlisten } from '@conduit/db';
import type { SessionCopies } from './ending-sessions';
import { SESSION_ID_LENGTH } from './tokens';

export const SESSIONS_ENDED_CHANNEL = 'conduit_sessions_ended';

/** A JSON array of ids, each `"<id>",`: as many as one notification holds. */
const IDS_PER_NOTICE = Math.floor((MAX_NOTIFY_PAYLOAD_BYTES - 2) / (SESSION_ID_LENGTH + 3));
const SESSION_ID = new RegExp(`^[a-z2-7]{${SESSION_ID_LENGTH}}$`);

/**
 * The copies the servers keep, reached through the database: `forget` notifies every server
 * listening (see onSessionsEnded). A server not listening at that moment (stopped, or its LISTEN
 * connection reconnecting) misses it and keeps its copies until they expire.
 */
export function copiesKeptByServers(pubsub: PubSub): SessionCopies {
  return {
    async forget(sessionIds) {
      for (let start = 0; start < sessionIds.length; start += IDS_PER_NOTICE) {
        const batch = sessionIds.slice(start, start + IDS_PER_NOTICE);
        await pubsub.notify(SESSIONS_ENDED_CHANNEL, JSON.stringify(batch));
      }
    },
  };
}

/** Calls `forget` with the ids of every announcement; resolves once listening. */
export function onSessionsEnded(
  pubsub: PubSub,
  forget: (sessionIds: string[]) => void,
): Promise<Unlisten> {
  return pubsub.listen(SESSIONS_ENDED_CHANNEL, (payload) => {
    const sessionIds = parseNotice(payload);
    if (sessionIds.length > 0) forget(sessionIds);
  });
}

/** The session ids of an announcement; anything else is ignored (any client may NOTIFY). */
function parseNotice(payload: string): string[] {
  try {
    const value: unknown = JSON.parse(payload);
    if (!Array.isArray(value)) return [];
    return value.filter((id): id is string => typeof id === 'string' && SESSION_ID.test(id));
  } catch {
    return [];
  }
}
