// New and deleted comments, live: announced through PostgreSQL NOTIFY when written (by any server
// instance), heard through ONE LISTEN per process, and handed to the readers of that article (or of
// a set of articles) in this process.
//
// A notification carries only `{articleId, commentId, kind}`: each reader fetches a new comment
// itself, with its own `following` flag, and nothing else depends on the payload staying small.
// Both kinds share one channel, so a process still LISTENs once; a notification without `kind`
// (from an instance of before deletions were announced) is a creation.
import {
  type Database,
  type PubSub,
  pubSubOf,
  type SQL,
  sql,
  type Unlisten,
  unlistenWithin,
} from '@conduit/db';
import { TRPCError } from '@trpc/server';
import { defaultCommentEventsOptions } from '../defaults';
import { Reader, shuttingDown } from './comment-reader';

export const COMMENT_CREATED_CHANNEL = 'conduit_comment_created';

export interface CommentCreated {
  articleId: number;
  commentId: number;
}

/** What happened to a comment, as the bus hands it to readers. */
export interface CommentEvent extends CommentCreated {
  kind: 'created' | 'deleted';
}

/**
 * The announcement of a comment written or deleted, as an expression over SQL values: the
 * statement that writes a comment selects it (services/comments.ts), so it reaches listeners when
 * that statement commits, and never if it fails. The one place its JSON is made (parseEvent reads
 * it); a creation carries no `kind`, as before deletions were announced.
 */
export function commentNotice(articleId: SQL, commentId: SQL, kind?: 'deleted'): SQL {
  const deleted = kind ? sql`, 'kind', ${kind}::text` : sql``;
  const payload = sql`json_build_object(
    'articleId', (${articleId})::integer, 'commentId', (${commentId})::integer${deleted})`;
  return sql`pg_notify(${COMMENT_CREATED_CHANNEL}, ${payload}::text)`;
}

/**
 * Announces a deleted comment, in the transaction that deletes it: readers remove it from their
 * lists when that commits. Deletions are not kept anywhere, so a reader that was away when one
 * was announced learns of it only by reading the list again.
 */
export async function publishCommentDeleted(
  db: Pick<Database, 'execute'>,
  event: CommentCreated,
): Promise<void> {
  await db.execute(
    sql`select ${commentNotice(sql`${event.articleId}`, sql`${event.commentId}`, 'deleted')}`,
  );
}

function parseEvent(payload: string): CommentEvent | null {
  try {
    const value: unknown = JSON.parse(payload);
    if (typeof value !== 'object' || value === null) return null;
    const { articleId, commentId, kind = 'created' } = value as Record<string, unknown>;
    if (!Number.isSafeInteger(articleId) || !Number.isSafeInteger(commentId)) return null;
    if (kind !== 'created' && kind !== 'deleted') return null;
    return { articleId: articleId as number, commentId: commentId as number, kind };
  } catch {
    return null;
  }
}

export interface CommentEventsOptions {
  /** Most open subscriptions per client (one IP address, or one IPv6 /64); 0: no limit. */
  maxPerClient: number;
  /** Most open subscriptions in this process; 0: no limit. */
  maxTotal: number;
  /**
   * Most announced comments waiting for one reader that does not read them (a stalled
   * connection). Beyond, its subscription ends; the client reconnects and catches up from the
   * database with its last event id.
   */
  maxPending?: number;
}

export { defaultCommentEventsOptions };

export interface CommentSubscription {
  /**
   * Everything announced for the subscribed articles, new and deleted comments in the order
   * announced, in batches. Ends and throws as `batches` does.
   */
  events(signal?: AbortSignal): AsyncGenerator<CommentEvent[], void, undefined>;
  /**
   * Ids of the article's new comments, in batches, as they are announced. Ends when `signal`
   * aborts or the subscription is closed; throws SERVICE_UNAVAILABLE (which clients retry) when
   * the server shuts down or the reader fell too far behind.
   */
  batches(signal?: AbortSignal): AsyncGenerator<number[], void, undefined>;
  /** Gives the place back; idempotent. */
  close(): void;
}

export interface CommentEvents {
  /**
   * Starts hearing the comments of the article (or articles: one subscription, one place in the
   * caps), for the client named `client` (see clientKey). Resolves once LISTEN is in effect: a
   * comment committed after that is not missed.
   * Throws TOO_MANY_REQUESTS beyond the caps, SERVICE_UNAVAILABLE once closed.
   */
  subscribe(articleIds: number | readonly number[], client: string): Promise<CommentSubscription>;
  /** Open subscriptions. */
  readonly size: number;
  /** Ends every subscription, stops listening, and waits (up to `timeoutMs`) for readers to leave. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * The bus of one process. It LISTENs once, on first use, and keeps listening until closed; the
 * caps are counted here, synchronously, so concurrent subscribes cannot overshoot them.
 */
export function createCommentEvents(
  pubsub: Pick<PubSub, 'listen'>,
  options: CommentEventsOptions = defaultCommentEventsOptions,
): CommentEvents {
  const maxPending = options.maxPending ?? defaultCommentEventsOptions.maxPending ?? 0;
  const byArticle = new Map<number, Set<Reader>>();
  const clientOf = new Map<Reader, string>();
  const perClient = new Map<string, number>();
  const emptied = new Set<() => void>();
  let listening: Promise<Unlisten> | undefined;
  let closed = false;

  function dispatch(payload: string): void {
    const event = parseEvent(payload);
    if (!event) return;
    for (const reader of byArticle.get(event.articleId) ?? []) reader.push(event);
  }

  function listen(): Promise<Unlisten> {
    listening ??= pubsub.listen(COMMENT_CREATED_CHANNEL, dispatch).catch((error: unknown) => {
      listening = undefined; // the next subscriber tries again
      throw error;
    });
    return listening;
  }

  function release(reader: Reader): void {
    const client = clientOf.get(reader);
    if (client === undefined) return;
    clientOf.delete(reader);
    const left = (perClient.get(client) ?? 1) - 1;
    if (left > 0) perClient.set(client, left);
    else perClient.delete(client);
    for (const articleId of reader.articleIds) {
      const readers = byArticle.get(articleId);
      readers?.delete(reader);
      if (readers?.size === 0) byArticle.delete(articleId);
    }
    if (clientOf.size === 0) for (const resolve of emptied) resolve();
  }

  function admit(client: string): void {
    if (closed) throw shuttingDown();
    if (options.maxTotal > 0 && clientOf.size >= options.maxTotal) {
      throw new TRPCError({
        code: 'TOO_MANY_REQUESTS',
        message: `The server has too many live subscriptions open (${options.maxTotal}); retry later`,
      });
    }
    if (options.maxPerClient > 0 && (perClient.get(client) ?? 0) >= options.maxPerClient) {
      throw new TRPCError({
        code: 'TOO_MANY_REQUESTS',
        message: `Too many live subscriptions from your address (at most ${options.maxPerClient}); close some first`,
      });
    }
  }

  return {
    get size() {
      return clientOf.size;
    },

    async subscribe(articleIds, client) {
      admit(client);
      const ids = [...new Set(typeof articleIds === 'number' ? [articleIds] : articleIds)];
      const reader = new Reader(ids, maxPending, release);
      clientOf.set(reader, client);
      perClient.set(client, (perClient.get(client) ?? 0) + 1);
      for (const articleId of ids) {
        const readers = byArticle.get(articleId) ?? new Set<Reader>();
        readers.add(reader);
        byArticle.set(articleId, readers);
      }
      try {
        await listen();
      } catch (error) {
        reader.close();
        throw error;
      }
      if (closed) {
        reader.close();
        throw shuttingDown();
      }
      return reader;
    },

    async close(timeoutMs = 2000) {
      if (closed) return;
      closed = true;
      for (const reader of clientOf.keys()) reader.end('shutdown');
      if (clientOf.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          emptied.add(resolve);
          timer = setTimeout(resolve, timeoutMs);
        });
        clearTimeout(timer);
        emptied.clear();
      }
      const unlisten = await listening?.catch(() => undefined);
      if (unlisten) await unlistenWithin(unlisten, timeoutMs);
    },
  };
}

const sharedByDatabase = new WeakMap<Database, CommentEvents>();

/**
 * The process's bus for a database handle made by createDb, with the default caps: what contexts
 * use when the server passes none (in-process callers, tests). The server makes its own.
 */
export function commentEventsOf(db: Database): CommentEvents {
  let events = sharedByDatabase.get(db);
  if (!events) {
    events = createCommentEvents({
      async listen(channel, handler) {
        const pubsub = pubSubOf(db);
        if (!pubsub) throw new Error('Live comments need a database opened by createDb');
        return pubsub.listen(channel, handler);
      },
    });
    sharedByDatabase.set(db, events);
  }
  return events;
}
