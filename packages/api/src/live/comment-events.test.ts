import { setTimeout as sleep } from 'node:timers/promises';
import {
  articles,
  createDb,
  type Database,
  type DbConnection,
  eq,
  type PubSub,
  sql,
  users,
} from '@conduit/db';
import { createArticle, getTestDatabaseUrl, getTestDb, resetDb } from '@conduit/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUp } from '../../test/callers';
import { createTRPCContext } from '../context';
import { createCaller } from '../index';
import type { CommentView } from '../schemas/comment';
import { createComment } from '../services/comments';
import {
  COMMENT_CREATED_CHANNEL,
  type CommentEvents,
  type CommentEventsOptions,
  commentNotice,
  createCommentEvents,
} from './comment-events';

/**
 * Announces a comment that no statement wrote (in a transaction, when that commits), as the
 * statement writing one does (services/comments.ts).
 */
async function announce(db: Pick<Database, 'execute'>, articleId: number, commentId: number) {
  await db.execute(sql`select ${commentNotice(sql`${articleId}`, sql`${commentId}`)}`);
}

/** Settles with the promise, or fails after `ms`. */
function within<T>(promise: Promise<T>, ms = 3000, what = 'an event'): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => Promise.reject(new Error(`no ${what} within ${ms} ms`))),
  ]);
}

async function until(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCError)) throw error;
  return error;
}

/** LISTEN/NOTIFY in memory, counting LISTENs. */
function memoryPubSub() {
  const handlers = new Set<(payload: string) => void>();
  let listens = 0;
  let failNext = false;
  const pubsub: Pick<PubSub, 'listen'> = {
    async listen(channel, handler) {
      expect(channel).toBe(COMMENT_CREATED_CHANNEL);
      listens += 1;
      if (failNext) {
        failNext = false;
        throw new Error('database unreachable');
      }
      handlers.add(handler);
      return async () => {
        handlers.delete(handler);
      };
    },
  };
  return {
    pubsub,
    send: (payload: string) => {
      for (const handler of handlers) handler(payload);
    },
    announce(articleId: number, commentId: number) {
      this.send(JSON.stringify({ articleId, commentId }));
    },
    get listens() {
      return listens;
    },
    get listeners() {
      return handlers.size;
    },
    failNextListen() {
      failNext = true;
    },
  };
}

describe('the comment event bus', () => {
  const caps: CommentEventsOptions = { maxPerClient: 2, maxTotal: 3, maxPending: 5 };

  it('hands each announced comment to the readers of its article only, through one LISTEN', async () => {
    const bus = memoryPubSub();
    const events = createCommentEvents(bus.pubsub, caps);
    const first = await events.subscribe(1, 'ip:a');
    const second = await events.subscribe(1, 'ip:b');
    const elsewhere = await events.subscribe(2, 'ip:c');
    expect(bus.listens).toBe(1);

    bus.announce(1, 10);
    bus.announce(1, 11);
    bus.send('not json');
    bus.send(JSON.stringify({ articleId: '1', commentId: 12 }));
    const a = first.batches();
    const b = second.batches();
    expect((await within(a.next())).value).toEqual([10, 11]);
    expect((await within(b.next())).value).toEqual([10, 11]);
    bus.announce(1, 13);
    expect((await within(a.next())).value).toEqual([13]);

    const c = elsewhere.batches();
    const nothing = await Promise.race([c.next(), sleep(100).then(() => 'nothing')]);
    expect(nothing).toBe('nothing');
    for (const subscription of [first, second, elsewhere]) subscription.close();
    expect(events.size).toBe(0);
    await events.close();
    expect(bus.listeners).toBe(0);
  });

  it('hands a reader of several articles their new and deleted comments, in one place of the caps', async () => {
    const bus = memoryPubSub();
    const events = createCommentEvents(bus.pubsub, caps);
    const reader = await events.subscribe([1, 2, 2], 'ip:a');
    expect(events.size).toBe(1);
    bus.announce(1, 10);
    bus.send(JSON.stringify({ articleId: 3, commentId: 11 }));
    bus.send(JSON.stringify({ articleId: 2, commentId: 12, kind: 'deleted' }));
    bus.send(JSON.stringify({ articleId: 2, commentId: 13, kind: 'edited' }));
    expect((await within(reader.events().next())).value).toEqual([
      { articleId: 1, commentId: 10, kind: 'created' },
      { articleId: 2, commentId: 12, kind: 'deleted' },
    ]);
    // The one-article readers of before see creations only.
    bus.send(JSON.stringify({ articleId: 1, commentId: 14, kind: 'deleted' }));
    bus.announce(2, 15);
    expect((await within(reader.batches().next())).value).toEqual([15]);
    reader.close();
    expect(events.size).toBe(0);
    await events.close();
  });

  it('refuses subscriptions beyond the per-client and total caps, and frees places on close', async () => {
    const events = createCommentEvents(memoryPubSub().pubsub, caps);
    const one = await events.subscribe(1, 'ip:a');
    await events.subscribe(2, 'ip:a');
    const third = await rejection(events.subscribe(3, 'ip:a'));
    expect(third.code).toBe('TOO_MANY_REQUESTS');
    expect(third.message).toMatch(/from your address \(at most 2\)/);

    await events.subscribe(1, 'ip:b');
    const overall = await rejection(events.subscribe(1, 'ip:c'));
    expect(overall.code).toBe('TOO_MANY_REQUESTS');
    expect(overall.message).toMatch(/too many live subscriptions open \(3\)/);

    one.close();
    one.close(); // idempotent: frees one place, not two
    await events.subscribe(1, 'ip:a');
    expect((await rejection(events.subscribe(1, 'ip:d'))).code).toBe('TOO_MANY_REQUESTS');
    expect(events.size).toBe(3);
    await events.close(10);
  });

  it('ends a reader that stops reading, with an error that makes clients reconnect', async () => {
    const bus = memoryPubSub();
    const events = createCommentEvents(bus.pubsub, caps);
    const slow = await events.subscribe(1, 'ip:a');
    for (let id = 1; id <= 6; id++) bus.announce(1, id);
    const error = await rejection(slow.batches().next());
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    slow.close();
    await events.close();
  });

  it('ends every subscription on close, refuses new ones, and stops listening', async () => {
    const bus = memoryPubSub();
    const events = createCommentEvents(bus.pubsub, caps);
    const open = await events.subscribe(1, 'ip:a');
    const waiting = open.batches().next();
    const reader = waiting.finally(() => open.close());
    const started = Date.now();
    await events.close(5000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await rejection(reader)).code).toBe('SERVICE_UNAVAILABLE');
    expect(events.size).toBe(0);
    expect(bus.listeners).toBe(0);
    expect((await rejection(events.subscribe(1, 'ip:b'))).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('stops a reader whose signal aborts, and gives its place back when it closes', async () => {
    const events = createCommentEvents(memoryPubSub().pubsub, caps);
    const subscription = await events.subscribe(1, 'ip:a');
    const controller = new AbortController();
    const next = subscription.batches(controller.signal).next();
    controller.abort();
    expect(await within(next)).toEqual({ done: true, value: undefined });
    subscription.close();
    expect(events.size).toBe(0);
    await events.close();
  });

  it('gives the place back when LISTEN fails, and tries again for the next subscriber', async () => {
    const bus = memoryPubSub();
    const events = createCommentEvents(bus.pubsub, caps);
    bus.failNextListen();
    await expect(events.subscribe(1, 'ip:a')).rejects.toThrow('database unreachable');
    expect(events.size).toBe(0);
    await events.subscribe(1, 'ip:a');
    expect(bus.listens).toBe(2);
    await events.close(10);
  });
});

// Two instances of the server on one database: on PostgreSQL, two separate connections (pools)
// to the worker's database; on PGlite, which has one owner, two buses sharing the one connection.
describe('live comments across instances', () => {
  let first: DbConnection;
  let second: DbConnection;
  let ownsSecond = false;
  const buses: CommentEvents[] = [];

  beforeAll(async () => {
    first = await getTestDb();
    const url = await getTestDatabaseUrl();
    ownsSecond = url !== undefined;
    second = url ? await createDb({ url, poolMax: 2 }) : first;
  });
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close(100)));
    if (ownsSecond) await second.close();
  });
  beforeEach(() => resetDb(first.db));

  function instance(conn: DbConnection, options?: CommentEventsOptions) {
    const events = createCommentEvents(conn, options);
    buses.push(events);
    const callerAs = (token?: string, ip = '198.51.100.1', signal?: AbortSignal) =>
      createCaller(
        () =>
          createTRPCContext({
            db: conn.db,
            commentEvents: events,
            meta: { ip },
            sessionToken: token === undefined ? undefined : { value: token, from: 'header' },
          }),
        { signal },
      );
    return { events, callerAs, db: conn.db };
  }

  async function authorOf(db: Database, username: string) {
    const account = await signUp(db, { username });
    const [row] = await db.select({ id: users.id }).from(users).where(eq(users.username, username));
    if (!row) throw new Error('no user');
    return { ...account, id: row.id };
  }

  /** Opens `comment.onCreated` and waits until it is listening. */
  async function follow(
    node: ReturnType<typeof instance>,
    input: { slug: string; lastEventId?: string },
    token?: string,
    ip?: string,
  ) {
    const before = node.events.size;
    // As when the client goes away: the procedure's signal aborts.
    const leave = new AbortController();
    const iterator = (await node.callerAs(token, ip, leave.signal).comment.onCreated(input))[
      Symbol.asyncIterator
    ]();
    let pending = iterator.next();
    await within(
      Promise.race([until(() => node.events.size > before, 'the subscription'), pending]),
    );
    // The reader is counted as soon as it subscribes, before the bus's LISTEN is in effect; a
    // comment committed in between would not reach it. A subscription of our own resolves once
    // LISTEN is in effect (the bus listens once, for all), so after it nothing can be missed.
    (await within(node.events.subscribe(0, 'test:listening'))).close();
    return {
      /** The next comment delivered: its event id and body. */
      async next() {
        const result = await within(pending);
        pending = iterator.next();
        if (result.done) throw new Error('the subscription ended');
        // In process the event comes as tracked() made it, an [id, data] envelope; clients get
        // it unwrapped to { id, data }, which is what the caller's types describe.
        const [id, comment] = result.value as unknown as [string, CommentView];
        return { id, comment };
      },
      async nothingWithin(ms: number) {
        return Promise.race([pending.then(() => false), sleep(ms).then(() => true)]);
      },
      async close() {
        leave.abort();
        expect(await within(pending)).toEqual({ done: true, value: undefined });
      },
    };
  }

  it('delivers a comment written through one instance to readers on both', async () => {
    const one = instance(first);
    const two = instance(second);
    const writer = await authorOf(one.db, 'writer');
    const fan = await authorOf(one.db, 'fan');
    await createArticle(one.db, writer, { slug: 'live' });
    await createArticle(one.db, writer, { slug: 'quiet' });
    await fan.caller.profile.follow({ username: 'writer' });

    const onOne = await follow(one, { slug: 'live' });
    const onTwo = await follow(two, { slug: 'live' }, fan.token);
    const quiet = await follow(two, { slug: 'quiet' });

    const { comment } = await one.callerAs(writer.token).comment.create({
      slug: 'live',
      body: 'Hello, both of you',
    });
    expect(await onOne.next()).toEqual({ id: String(comment.id), comment });
    // Each reader gets the comment as it would read it: the fan follows the writer.
    expect(await onTwo.next()).toEqual({
      id: String(comment.id),
      comment: { ...comment, author: { ...comment.author, following: true } },
    });

    const { comment: reply } = await two.callerAs(fan.token).comment.create({
      slug: 'live',
      body: 'Hello back',
    });
    expect((await onOne.next()).comment.body).toBe('Hello back');
    expect((await onTwo.next()).comment.id).toBe(reply.id);
    expect(await quiet.nothingWithin(200)).toBe(true);

    await Promise.all([onOne.close(), onTwo.close(), quiet.close()]);
    expect(one.events.size + two.events.size).toBe(0);
  });

  it('sends a reconnecting reader the comments it missed, then new ones, each once', async () => {
    const one = instance(first);
    const two = instance(second);
    const writer = await authorOf(one.db, 'writer');
    await createArticle(one.db, writer, { slug: 'resume' });
    const write = (body: string) =>
      one.callerAs(writer.token).comment.create({ slug: 'resume', body });

    const { comment: seen } = await write('seen before the connection dropped');
    await write('missed 1');
    await write('missed 2');
    const reader = await follow(two, { slug: 'resume', lastEventId: String(seen.id) });
    expect((await reader.next()).comment.body).toBe('missed 1');
    expect((await reader.next()).comment.body).toBe('missed 2');
    await write('live');
    expect((await reader.next()).comment.body).toBe('live');
    expect(await reader.nothingWithin(200)).toBe(true);
    await reader.close();

    // Without a usable last event id there is nothing to catch up on: only new comments come.
    const fresh = await follow(two, { slug: 'resume', lastEventId: 'garbage' });
    expect(await fresh.nothingWithin(200)).toBe(true);
    await write('new');
    expect((await fresh.next()).comment.body).toBe('new');
    await fresh.close();
  });

  it('answers 404 for an unknown article and 429 beyond the caps', async () => {
    const one = instance(first, { maxPerClient: 1, maxTotal: 10 });
    const writer = await authorOf(one.db, 'writer');
    await createArticle(one.db, writer, { slug: 'capped' });
    const unknown = (await one.callerAs().comment.onCreated({ slug: 'nowhere' }))[
      Symbol.asyncIterator
    ]();
    expect((await rejection(unknown.next())).code).toBe('NOT_FOUND');

    const open = await follow(one, { slug: 'capped' });
    const refused = (await one.callerAs().comment.onCreated({ slug: 'capped' }))[
      Symbol.asyncIterator
    ]();
    expect((await rejection(refused.next())).code).toBe('TOO_MANY_REQUESTS');
    // Another address has its own allowance.
    const elsewhere = await follow(one, { slug: 'capped' }, undefined, '198.51.100.2');
    expect(one.events.size).toBe(2);
    await open.close();
    await elsewhere.close();
    expect(one.events.size).toBe(0);
  });

  it('never announces a comment whose transaction rolled back', async () => {
    const one = instance(first);
    const writer = await authorOf(one.db, 'writer');
    const article = await createArticle(one.db, writer, { slug: 'rollback' });
    const subscription = await one.events.subscribe(article.id, 'ip:test');
    await first.db
      .transaction(async (tx) => {
        await announce(tx, article.id, 999);
        throw new Error('rolled back');
      })
      .catch(() => {});
    await announce(first.db, article.id, 1000);
    expect((await within(subscription.batches().next())).value).toEqual([1000]);
    subscription.close();
  });

  it('answers 404 for a comment on an article deleted after it was found, and announces nothing', async () => {
    const one = instance(first);
    const writer = await authorOf(one.db, 'writer');
    const article = await createArticle(one.db, writer, { slug: 'deleted-meanwhile' });
    const subscription = await one.events.subscribe(article.id, 'ip:test');
    // As comment.create meets it when the article goes between its lookup and the insert.
    await first.db.delete(articles).where(eq(articles.id, article.id));
    const refused = await rejection(
      createComment(first.db, { articleId: article.id, authorId: writer.id, body: 'Too late' }),
    );
    expect(refused.code).toBe('NOT_FOUND');
    expect(refused.message).toBe('The article no longer exists');
    // The next announcement is the first the reader hears.
    await announce(first.db, article.id, 1000);
    expect((await within(subscription.batches().next())).value).toEqual([1000]);
    subscription.close();
  });
});
