// The cached hot reads (article by slug, first page of the global list, profile) as readers meet
// them through the procedures, with a real cache: served from the cache, each viewer's own flags
// and nobody else's, and every write that changes what they show seen by the very next read.
import type { Database } from '@conduit/db';
import { getTestDb, recordQueries, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, failure } from '../../test/callers';
import { type CacheStore, createMemoryCache } from '../cache';
import { createTRPCContext } from '../context';
import { createCaller } from '../index';

let db: Database;
let cache: CacheStore;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(async () => {
  await resetDb(db);
  cache = createMemoryCache({ ttlMs: 60_000 });
});

/** A caller on the shared cache, with its context made up front (so queries count the call only). */
async function client(token?: string) {
  const ctx = await createTRPCContext({
    db,
    cache,
    sessionToken: token === undefined ? undefined : { value: token, from: 'header' },
  });
  return createCaller(ctx);
}

let n = 0;
async function member(username = `member${++n}`) {
  const { token } = await callerFor(db).auth.register({
    email: `${username}@example.com`,
    username,
    password: 'correct horse battery',
  });
  return { username, caller: await client(token) };
}

const draft = (title: string) => ({ title, description: 'd', body: 'b *b*', tagList: ['x'] });

describe('each viewer sees their own flags, never another viewer’s', () => {
  it('on an article, the first page and a profile, all served from one cached copy', async () => {
    const author = await member('author');
    const fan = await member('fan');
    const stranger = await member('stranger');
    const anonymous = await client();
    const { article } = await author.caller.article.create(draft('Flags'));
    await fan.caller.article.favorite({ slug: article.slug });
    await fan.caller.profile.follow({ username: 'author' });

    // Warm the cache from the fan's side: what is stored must not carry the fan's flags.
    expect((await fan.caller.article.get({ slug: article.slug })).article).toMatchObject({
      favorited: true,
      favoritesCount: 1,
      author: { following: true },
    });
    await fan.caller.article.list({ limit: 20 });
    await fan.caller.profile.get({ username: 'author' });

    const hitsBefore = cache.stats.hits;
    for (const viewer of [anonymous, stranger.caller]) {
      expect((await viewer.article.get({ slug: article.slug })).article).toMatchObject({
        favorited: false,
        favoritesCount: 1,
        author: { username: 'author', following: false },
      });
      const page = await viewer.article.list({ limit: 20 });
      expect(page.articles[0]).toMatchObject({ favorited: false, author: { following: false } });
      expect((await viewer.profile.get({ username: 'author' })).profile.following).toBe(false);
    }
    // And the fan, now from the cache too, still sees theirs.
    expect((await fan.caller.article.get({ slug: article.slug })).article).toMatchObject({
      favorited: true,
      author: { following: true },
    });
    const fanPage = await fan.caller.article.list({ limit: 20 });
    expect(fanPage.articles[0]).toMatchObject({ favorited: true, author: { following: true } });
    expect((await fan.caller.profile.get({ username: 'AUTHOR' })).profile).toEqual({
      username: 'author',
      bio: null,
      image: null,
      following: true,
    });
    expect(cache.stats.hits - hitsBefore).toBe(9);
  });

  it('answers a cached read with no query for an anonymous reader and one for a signed-in one', async () => {
    const author = await member('writer');
    const { article } = await author.caller.article.create(draft('Counted'));
    const anonymous = await client();
    await anonymous.article.get({ slug: article.slug }); // warm
    expect(
      (await recordQueries(() => anonymous.article.get({ slug: article.slug }))).queries,
    ).toHaveLength(0);
    const signedIn = await recordQueries(() => author.caller.article.get({ slug: article.slug }));
    expect(signedIn.queries).toHaveLength(1);
    expect(signedIn.result.article.author.following).toBe(false);
  });
});

describe('every write is seen by the next read', () => {
  it('articles written, edited, favorited and removed', async () => {
    const author = await member('author');
    const reader = await member('reader');
    const anonymous = await client();
    const slugsOnFirstPage = async () =>
      (await anonymous.article.list({ limit: 20 })).articles.map((a) => a.slug);

    expect(await slugsOnFirstPage()).toEqual([]);
    const { article } = await author.caller.article.create(draft('First'));
    expect(await slugsOnFirstPage()).toEqual(['first']);
    expect((await anonymous.article.get({ slug: 'first' })).article.body).toBe('b *b*');

    await author.caller.article.update({ slug: article.slug, body: 'new *body*' });
    expect((await anonymous.article.get({ slug: 'first' })).article.body).toBe('new *body*');
    expect((await anonymous.article.view({ slug: 'first' })).article.bodyHtml).toBe(
      '<p>new <em>body</em></p>\n',
    );
    await author.caller.article.update({ slug: 'first', title: 'Renamed' });
    expect(await slugsOnFirstPage()).toEqual(['renamed']);
    // The old slug leads to the article as it is now, never to the copy cached under it.
    expect((await anonymous.article.get({ slug: 'first' })).article).toMatchObject({
      slug: 'renamed',
      title: 'Renamed',
    });

    await reader.caller.article.favorite({ slug: 'renamed' });
    expect((await anonymous.article.get({ slug: 'renamed' })).article.favoritesCount).toBe(1);
    expect((await anonymous.article.list({ limit: 20 })).articles[0]?.favoritesCount).toBe(1);
    await reader.caller.article.unfavorite({ slug: 'renamed' });
    expect((await anonymous.article.get({ slug: 'renamed' })).article.favoritesCount).toBe(0);

    await author.caller.article.delete({ slug: 'renamed' });
    expect(await slugsOnFirstPage()).toEqual([]);
    expect((await failure(anonymous.article.get({ slug: 'renamed' }))).code).toBe('NOT_FOUND');
    expect((await failure(anonymous.article.get({ slug: 'first' }))).code).toBe('NOT_FOUND');
  });

  it('a profile changed: on the profile and with every article of its author', async () => {
    const author = await member('jake');
    const anonymous = await client();
    await author.caller.article.create(draft('By Jake'));
    await anonymous.profile.get({ username: 'jake' });
    await anonymous.article.get({ slug: 'by-jake' });
    await anonymous.article.list({ limit: 20 });

    await author.caller.user.update({ username: 'jacob', bio: 'I write', image: null });
    expect((await anonymous.profile.get({ username: 'jacob' })).profile.bio).toBe('I write');
    expect((await failure(anonymous.profile.get({ username: 'jake' }))).code).toBe('NOT_FOUND');
    expect((await anonymous.article.get({ slug: 'by-jake' })).article.author).toMatchObject({
      username: 'jacob',
      bio: 'I write',
    });
    expect((await anonymous.article.list({ limit: 20 })).articles[0]?.author.username).toBe(
      'jacob',
    );
  });

  it('keeps no “not found”: a user or article that appears later is found at once', async () => {
    const anonymous = await client();
    expect((await failure(anonymous.profile.get({ username: 'latecomer' }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await failure(anonymous.article.get({ slug: 'late' }))).code).toBe('NOT_FOUND');
    const late = await member('latecomer');
    await late.caller.article.create(draft('Late'));
    expect((await anonymous.profile.get({ username: 'latecomer' })).profile.username).toBe(
      'latecomer',
    );
    expect((await anonymous.article.get({ slug: 'late' })).article.title).toBe('Late');
  });
});

describe('list totals', () => {
  it('follow every write that changes them, on the cached first page and on every other', async () => {
    const author = await member('prolific');
    const fan = await member('reader');
    const anonymous = await client();
    const first = await author.caller.article.create(draft('One'));
    await author.caller.article.create({ ...draft('Two'), tagList: ['y'] });
    const totals = async () => ({
      firstPage: (await anonymous.article.list({ limit: 1 })).articlesCount,
      all: (await anonymous.article.list({ limit: 1, offset: 1 })).articlesCount,
      tagged: (await anonymous.article.list({ tag: 'x', limit: 1 })).articlesCount,
      // Usernames match whatever their case; the total is the same either way.
      byAuthor: (await anonymous.article.list({ author: 'PROLIFIC', limit: 1 })).articlesCount,
      liked: (await anonymous.article.list({ favorited: 'reader', limit: 1 })).articlesCount,
      feed: (await fan.caller.article.feed({ limit: 1 })).articlesCount,
    });
    // The reader follows the only author: every total but tag and favorited is all articles.
    const expected = (all: number, tagged: number, liked: number) => ({
      firstPage: all,
      all,
      tagged,
      byAuthor: all,
      liked,
      feed: all,
    });
    await fan.caller.profile.follow({ username: 'prolific' });
    expect(await totals()).toEqual(expected(2, 1, 0));

    await author.caller.article.create(draft('Three'));
    expect(await totals()).toEqual(expected(3, 2, 0));
    await fan.caller.article.favorite({ slug: first.article.slug });
    expect((await totals()).liked).toBe(1);
    await author.caller.article.update({ slug: first.article.slug, tagList: ['y'] });
    expect((await totals()).tagged).toBe(1);
    await author.caller.article.delete({ slug: first.article.slug });
    expect(await totals()).toEqual(expected(2, 1, 0));
  });
});

describe('a write drops only what shows what it changed (decision 038)', () => {
  it('a favorite, an edit, a profile change, a follow: other copies are answered with no query', async () => {
    const author = await member('one');
    const other = await member('two');
    const fan = await member('fan');
    const anonymous = await client();
    await author.caller.article.create({ ...draft('Mine'), tagList: ['a'] });
    await other.caller.article.create({ ...draft('Theirs'), tagList: ['b'] });
    const untouched = async () => {
      await anonymous.article.get({ slug: 'theirs' });
      await anonymous.article.list({ tag: 'b' });
      await anonymous.article.list({ author: 'two' });
      await anonymous.profile.get({ username: 'two' });
    };
    await untouched(); // warm
    const writes = [
      () => fan.caller.article.favorite({ slug: 'mine' }),
      () => author.caller.article.update({ slug: 'mine', description: 'edited' }),
      () => author.caller.article.update({ slug: 'mine', tagList: ['c'] }),
      () => author.caller.user.update({ bio: 'new' }),
      () => fan.caller.profile.follow({ username: 'two' }),
    ];
    for (const write of writes) {
      await write();
      expect((await recordQueries(untouched)).queries).toEqual([]);
    }
  });

  it("the feed's first page: kept per reader with their flags, and follows their writes", async () => {
    const author = await member('writer');
    const reader = await member('reader');
    await reader.caller.profile.follow({ username: 'writer' });
    const { article } = await author.caller.article.create(draft('Followed'));
    await reader.caller.article.feed({ limit: 5 }); // warm
    const hit = await recordQueries(() => reader.caller.article.feed({ limit: 5 }));
    expect(hit.queries).toEqual([]);
    expect(hit.result.articles[0]).toMatchObject({ favorited: false, author: { following: true } });

    await reader.caller.article.favorite({ slug: article.slug });
    expect((await reader.caller.article.feed({ limit: 5 })).articles[0]).toMatchObject({
      favorited: true,
      favoritesCount: 1,
    });
    // Another reader's feed is theirs alone.
    const other = await member('other');
    expect((await other.caller.article.feed({ limit: 5 })).articles).toEqual([]);
    await reader.caller.profile.unfollow({ username: 'writer' });
    expect((await reader.caller.article.feed({ limit: 5 })).articles).toEqual([]);
  });
});
