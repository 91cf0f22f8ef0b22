// comment.live: one subscription for a set of articles, new and deleted comments, resumable, on
// two server instances sharing one database (as comment-events.test.ts sets them up).
import { setTimeout as sleep } from 'node:timers/promises';
import { comments, createDb, type DbConnection, eq, users } from '@conduit/db';
import { createArticle, getTestDatabaseUrl, getTestDb, resetDb } from '@conduit/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codeOf, refusedFields, signUp } from '../../test/callers';
import { createTRPCContext } from '../context';
import { createCaller } from '../index';
import { type CommentEvents, createCommentEvents } from '../live/comment-events';
import type { streamArticleComments } from '../live/comment-stream';
import { LIVE_ARTICLES_MAX } from '../schemas/comment';

/** What comment.live yields in process: tracked()'s [id, event] envelope. */
type Envelope = Extract<
  Awaited<ReturnType<ReturnType<typeof streamArticleComments>['next']>>['value'],
  readonly unknown[]
>;

function within<T>(promise: Promise<T>, ms = 3000, what = 'an event'): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => Promise.reject(new Error(`no ${what} within ${ms} ms`))),
  ]);
}

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

function instance(conn: DbConnection) {
  const events = createCommentEvents(conn);
  buses.push(events);
  const callerAs = (token?: string, signal?: AbortSignal) =>
    createCaller(
      () =>
        createTRPCContext({
          db: conn.db,
          commentEvents: events,
          meta: { ip: '198.51.100.7' },
          sessionToken: token === undefined ? undefined : { value: token, from: 'header' },
        }),
      { signal },
    );
  return { events, callerAs, db: conn.db };
}
type Instance = ReturnType<typeof instance>;

/** Opens `comment.live`, waits for `ready` (it is listening), then reads events as `{ id, event }`. */
async function follow(
  node: Instance,
  input: { slugs: string[]; lastEventId?: string; since?: (number | null)[] },
) {
  const leave = new AbortController();
  const iterator = (await node.callerAs(undefined, leave.signal).comment.live(input))[
    Symbol.asyncIterator
  ]();
  let pending = iterator.next();
  const stream = {
    async next() {
      const result = await within(pending);
      pending = iterator.next();
      if (result.done) throw new Error('the subscription ended');
      // In process the event comes as tracked() made it, an [id, data] envelope.
      const [id, event] = result.value as unknown as Envelope;
      return { id, event };
    },
    nothingWithin: (ms: number) =>
      Promise.race([pending.then(() => false), sleep(ms).then(() => true)]),
    async close() {
      leave.abort();
      expect(await within(pending)).toEqual({ done: true, value: undefined });
    },
  };
  const ready = await stream.next();
  expect(ready.event).toEqual({ kind: 'ready' });
  return { ...stream, position: ready.id };
}

/** A signed-up account with its id (for createArticle), and the role asked for. */
async function account(
  db: DbConnection['db'],
  username: string,
  role: 'user' | 'moderator' = 'user',
) {
  const signedUp = await signUp(db, { username });
  const [row] = await db
    .update(users)
    .set({ role })
    .where(eq(users.username, username))
    .returning({ id: users.id });
  if (!row) throw new Error(`no user ${username}`);
  return { ...signedUp, id: row.id };
}

describe('comment.live', () => {
  it('carries new and deleted comments of every article in the set, across instances, in one subscription', async () => {
    const one = instance(first);
    const two = instance(second);
    const writer = await account(one.db, 'writer');
    const mod = await account(one.db, 'mod', 'moderator');
    for (const slug of ['first', 'second', 'elsewhere']) {
      await createArticle(one.db, writer, { slug });
    }
    const reader = await follow(two, { slugs: ['first', 'second', 'no-such-article'] });
    const local = await follow(one, { slugs: ['second'] });
    expect(two.events.size).toBe(1);
    const write = (slug: string, body: string) =>
      one.callerAs(writer.token).comment.create({ slug, body });

    const { comment: a } = await write('first', 'On the first');
    const { comment: b } = await write('second', 'On the second');
    await write('elsewhere', 'Not followed');
    expect(await reader.next()).toEqual({
      id: String(a.id),
      event: { kind: 'created', slug: 'first', comment: a },
    });
    expect(await reader.next()).toEqual({
      id: String(b.id),
      event: { kind: 'created', slug: 'second', comment: b },
    });
    expect((await local.next()).event).toEqual({ kind: 'created', slug: 'second', comment: b });

    // Deleted by its author through one instance, by a moderator through the other: both arrive,
    // tagged with the position of the stream (the newest comment it has delivered).
    await one.callerAs(writer.token).comment.delete({ slug: 'first', id: a.id });
    expect(await reader.next()).toEqual({
      id: String(b.id),
      event: { kind: 'deleted', slug: 'first', id: a.id },
    });
    await two.callerAs(mod.token).comment.delete({ slug: 'second', id: b.id, reason: 'spam' });
    expect((await reader.next()).event).toEqual({ kind: 'deleted', slug: 'second', id: b.id });
    expect((await local.next()).event).toEqual({ kind: 'deleted', slug: 'second', id: b.id });
    expect(await reader.nothingWithin(200)).toBe(true);
    expect(await local.nothingWithin(0)).toBe(true);

    await Promise.all([reader.close(), local.close()]);
    expect(one.events.size + two.events.size).toBe(0);
  });

  it('resumes from the last event id with what was written meanwhile on any article, each once', async () => {
    const one = instance(first);
    const two = instance(second);
    const writer = await account(one.db, 'writer');
    await createArticle(one.db, writer, { slug: 'left' });
    await createArticle(one.db, writer, { slug: 'right' });
    const write = (slug: string, body: string) =>
      one.callerAs(writer.token).comment.create({ slug, body });

    const reader = await follow(two, { slugs: ['left', 'right'] });
    await write('left', 'seen');
    const seen = await reader.next();
    await reader.close();

    await write('right', 'missed on the right');
    await write('left', 'missed on the left');
    const resumed = await follow(two, { slugs: ['left', 'right'], lastEventId: seen.id });
    expect(resumed.position).toBe(seen.id);
    const caughtUp = [await resumed.next(), await resumed.next()];
    expect(caughtUp.map(({ event }) => event.kind === 'created' && event.comment.body)).toEqual([
      'missed on the right',
      'missed on the left',
    ]);
    const ids = caughtUp.map(({ id }) => Number(id));
    expect(ids[0]).toBeGreaterThan(Number(seen.id));
    expect(ids[1]).toBeGreaterThan(ids[0] ?? 0);
    await write('right', 'live');
    const live = await resumed.next();
    expect(live.event.kind === 'created' && live.event.comment.body).toBe('live');
    expect(await resumed.nothingWithin(200)).toBe(true);
    await resumed.close();

    // Without a last event id, a new stream starts at the newest comment: nothing old comes.
    const fresh = await follow(one, { slugs: ['left'] });
    expect(fresh.position).toBe(String(live.event.kind === 'created' && live.event.comment.id));
    expect(await fresh.nothingWithin(200)).toBe(true);
    const { comment } = await write('left', 'new');
    expect(await fresh.next()).toEqual({
      id: String(comment.id),
      event: { kind: 'created', slug: 'left', comment },
    });
    await fresh.close();
  });

  it("starts an article from where its page stands, when that is earlier than the stream's position", async () => {
    // The client's earlier stream followed only 'left': its position says nothing of 'right',
    // whose page holds 'right, read' and missed 'right, unheard'.
    const one = instance(first);
    const writer = await account(one.db, 'writer');
    for (const slug of ['left', 'right', 'empty']) await createArticle(one.db, writer, { slug });
    const write = (slug: string, body: string) =>
      one.callerAs(writer.token).comment.create({ slug, body });
    const earlier = await follow(one, { slugs: ['left'] });
    const { comment: read } = await write('right', 'right, read');
    await write('right', 'right, unheard');
    await write('left', 'left, heard');
    const heard = await earlier.next();
    await earlier.close();
    await write('empty', 'on the empty one');

    const wider = await follow(one, {
      slugs: ['left', 'right', 'empty'],
      lastEventId: heard.id,
      since: [null, read.id, 0],
    });
    expect(wider.position).toBe(heard.id);
    const caughtUp = [await wider.next(), await wider.next()];
    expect(caughtUp.map(({ event }) => event.kind === 'created' && event.comment.body)).toEqual([
      'right, unheard',
      'on the empty one',
    ]);
    expect(await wider.nothingWithin(200)).toBe(true);
    await wider.close();

    // Position 0 (a stream that began with no comment anywhere) resumes from the start.
    const fromZero = await follow(one, { slugs: ['empty'], lastEventId: '0' });
    expect(fromZero.position).toBe('0');
    expect((await fromZero.next()).event).toMatchObject({ comment: { body: 'on the empty one' } });
    await fromZero.close();
  });

  it('catches up past one page (100), each article from its own start, in order, each once', async () => {
    // 'early' is caught up from an earlier comment (its page's `since`) than the stream's
    // position, 'late' from the position. The first page is all 'early' and ends before the
    // position: 'late' must not go back to it, nor 'early' skip what it still owes.
    const one = instance(first);
    const two = instance(second);
    const writer = await account(one.db, 'writer');
    const early = await createArticle(one.db, writer, { slug: 'early' });
    const late = await createArticle(one.db, writer, { slug: 'late' });
    const insert = async (rows: { articleId: number; body: string }[]) =>
      (
        await one.db
          .insert(comments)
          .values(rows.map((row) => ({ ...row, authorId: writer.id })))
          .returning({ id: comments.id })
      ).map(({ id }) => id);

    const [since] = await insert([{ articleId: early.id, body: 'early, on the page' }]);
    const owed = await insert(
      Array.from({ length: 120 }, (_, i) => ({ articleId: early.id, body: `early ${i}` })),
    );
    const [position] = await insert([{ articleId: late.id, body: 'late, heard' }]);
    // 230 more, the two articles in turn, so that every page holds both.
    const missed = await insert(
      Array.from({ length: 230 }, (_, i) => ({
        articleId: i % 2 === 0 ? early.id : late.id,
        body: `missed ${i}`,
      })),
    );
    if (since === undefined || position === undefined) throw new Error('no ids');

    const reader = await follow(two, {
      slugs: ['early', 'late'],
      lastEventId: String(position),
      since: [since, null],
    });
    const ids: number[] = [];
    for (let i = 0; i < owed.length + missed.length; i++) {
      const { id, event } = await reader.next();
      if (event.kind !== 'created') throw new Error(`expected a comment, got ${event.kind}`);
      ids.push(event.comment.id);
      // The stream's position never goes back while it catches up.
      expect(Number(id)).toBe(Math.max(position, ...ids));
    }
    expect(ids).toEqual([...owed, ...missed]);
    expect(await reader.nothingWithin(200)).toBe(true);
    const { comment } = await one
      .callerAs(writer.token)
      .comment.create({ slug: 'late', body: 'live, after the catch-up' });
    expect((await reader.next()).event).toEqual({ kind: 'created', slug: 'late', comment });
    await reader.close();
  });

  it('refuses a bad set naming slugs (400), and a set of unknown articles (404)', async () => {
    const one = instance(first);
    const open = async (input: unknown) => {
      const iterator = (await one.callerAs().comment.live(input as { slugs: string[] }))[
        Symbol.asyncIterator
      ]();
      return iterator.next();
    };
    const tooMany = Array.from({ length: LIVE_ARTICLES_MAX + 1 }, (_, i) => `a-${i}`);
    for (const slugs of [[], tooMany, ['x'.repeat(257)], 'one-slug', [''], undefined]) {
      const fields = await refusedFields(open({ slugs }));
      expect(
        fields.some((field) => field.startsWith('slugs')),
        JSON.stringify(fields),
      ).toBe(true);
    }
    for (const since of [[1], [1, 2, 3], [-1, 0], ['1', 0], 'all', [1.5, null]]) {
      const fields = await refusedFields(open({ slugs: ['one', 'two'], since }));
      expect(
        fields.some((field) => field.startsWith('since')),
        JSON.stringify(fields),
      ).toBe(true);
    }
    expect(await codeOf(open({ slugs: ['nowhere', 'nor-here'] }))).toBe('NOT_FOUND');
    expect(one.events.size).toBe(0);
  });
});
