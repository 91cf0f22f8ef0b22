// Links that never die (decision 031): every slug an article has had still names it.
import { type Database, tags } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, signUp } from '../../test/callers';
import { createMemoryCache } from '../cache';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const draft = { description: 'd', body: 'b', tagList: [] as string[] };

describe('slug history', () => {
  it('answers an old slug with the article under its current slug, for every operation', async () => {
    const author = await signUp(db, { username: 'author' });
    const reader = await signUp(db, { username: 'reader' });
    await author.caller.article.create({ ...draft, title: 'First name' });
    await author.caller.article.update({ slug: 'first-name', title: 'Second name' });
    await author.caller.article.update({ slug: 'second-name', title: 'Third name' });

    for (const slug of ['first-name', 'second-name', 'third-name']) {
      expect((await callerFor(db).article.get({ slug })).article.slug).toBe('third-name');
    }
    expect((await reader.caller.article.favorite({ slug: 'first-name' })).article).toMatchObject({
      slug: 'third-name',
      favorited: true,
    });
    await reader.caller.comment.create({ slug: 'second-name', body: 'Still here' });
    const { comments } = await callerFor(db).comment.list({ slug: 'first-name' });
    expect(comments.map((c) => c.body)).toEqual(['Still here']);
    const edited = await author.caller.article.update({ slug: 'first-name', body: 'New body' });
    expect(edited.article).toMatchObject({ slug: 'third-name', body: 'New body' });
    expect(await author.caller.article.delete({ slug: 'second-name' })).toEqual({
      slug: 'third-name',
    });
    expect(await codeOf(callerFor(db).article.get({ slug: 'third-name' }))).toBe('NOT_FOUND');
  });

  it("never gives another article one of an article's slugs, and lets it take back its own", async () => {
    const { caller } = await signUp(db);
    await caller.article.create({ ...draft, title: 'Kept' });
    await caller.article.update({ slug: 'kept', title: 'Moved on' });

    const newcomer = await caller.article.create({ ...draft, title: 'Kept' });
    expect(newcomer.article.slug).toBe('kept-2');
    const renamed = await caller.article.update({ slug: 'kept-2', title: 'Moved on' });
    expect(renamed.article.slug).toBe('moved-on-2');
    expect((await callerFor(db).article.get({ slug: 'kept' })).article.slug).toBe('moved-on');
    expect((await callerFor(db).article.get({ slug: 'kept-2' })).article.slug).toBe('moved-on-2');

    const back = await caller.article.update({ slug: 'moved-on', title: 'Kept' });
    expect(back.article.slug).toBe('kept');
  });

  it("writes an article's tags once when its first slug is another article's earlier one", async () => {
    const { caller } = await signUp(db);
    await caller.article.create({ ...draft, title: 'Kept' });
    await caller.article.update({ slug: 'kept', title: 'Moved on' });
    // The first attempt, `kept`, is refused by the history and takes nothing with it
    // (decision 049).
    const newcomer = await caller.article.create({
      ...draft,
      title: 'Kept',
      tagList: ['new', 'x'],
    });
    expect(newcomer.article.slug).toBe('kept-2');
    expect([...newcomer.article.tagList].sort()).toEqual(['new', 'x']);
    const counted = await db
      .select({ name: tags.name, articles: tags.articlesCount })
      .from(tags)
      .orderBy(tags.name);
    expect(counted).toEqual([
      { name: 'new', articles: 1 },
      { name: 'x', articles: 1 },
    ]);
    const listed = await callerFor(db).article.list({ tag: 'new' });
    expect(listed.articles.map((article) => article.slug)).toEqual(['kept-2']);
    expect(listed.articlesCount).toBe(1);
  });

  it('frees the slugs of a deleted article', async () => {
    const { caller } = await signUp(db);
    await caller.article.create({ ...draft, title: 'Gone soon' });
    await caller.article.update({ slug: 'gone-soon', title: 'Gone now' });
    await caller.article.delete({ slug: 'gone-now' });
    expect((await caller.article.create({ ...draft, title: 'Gone soon' })).article.slug).toBe(
      'gone-soon',
    );
  });

  it('serves no stale copy from the cache after a rename, under either slug', async () => {
    const cache = createMemoryCache({ ttlMs: 60_000 });
    const author = await signUp(db);
    const cachedCaller = callerFor(db, author.token, undefined, undefined, { cache });
    await cachedCaller.article.create({ ...draft, title: 'Cached name' });
    expect((await cachedCaller.article.get({ slug: 'cached-name' })).article.title).toBe(
      'Cached name',
    );
    await cachedCaller.article.update({ slug: 'cached-name', title: 'Renamed' });
    for (const slug of ['cached-name', 'renamed']) {
      expect((await cachedCaller.article.get({ slug })).article).toMatchObject({
        slug: 'renamed',
        title: 'Renamed',
      });
    }
  });
});
