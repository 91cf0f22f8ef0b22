import { articles, type Database, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, refusedFields, signUp } from '../../test/callers';
import { SEARCH_MATCHES_RANKED, type SearchHit } from '../schemas/search';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const draft = { description: 'Notes', body: 'Nothing to see here.', tagList: [] as string[] };
const titles = (hits: SearchHit[]) => hits.map((hit) => hit.title);
const highlighted = (hit: SearchHit | undefined) =>
  hit?.snippet.filter((part) => part.highlighted).map((part) => part.text) ?? [];

describe('article.search', () => {
  it('ranks a match in the title over the description and tags, over the body', async () => {
    const { caller } = await signUp(db);
    await caller.article.create({ ...draft, title: 'In the body', body: 'All about gardening.' });
    await caller.article.create({ ...draft, title: 'In the title: gardening' });
    await caller.article.create({ ...draft, title: 'In the tags', tagList: ['gardening'] });
    await caller.article.create({ ...draft, title: 'Unrelated', body: 'Cooking.' });
    await caller.article.create({
      ...draft,
      title: 'In the description',
      description: 'Gardens and gardening',
    });

    const page = await callerFor(db).article.search({ q: 'Gardening' });
    expect(titles(page.articles.slice(0, 1))).toEqual(['In the title: gardening']);
    expect(titles(page.articles.slice(1, 3)).sort()).toEqual(['In the description', 'In the tags']);
    expect(titles(page.articles.slice(3))).toEqual(['In the body']);
    expect(page).toMatchObject({ articlesCount: 4, moreMatches: false });
  });

  it('matches word forms, follows tag and body edits, and marks the matched words', async () => {
    const { caller } = await signUp(db);
    const { article } = await caller.article.create({
      ...draft,
      title: 'A day out',
      body: 'We went hiking, <b>bold</b> & "quoted", then hiked back.',
    });
    const [hit] = (await callerFor(db).article.search({ q: 'hike' })).articles;
    expect(highlighted(hit)).toEqual(['hiking', 'hiked']);
    // The snippet is text: whatever the body holds comes back as characters, never as markup.
    expect(hit?.snippet.map((part) => part.text).join('')).toContain('& "quoted"');

    expect((await callerFor(db).article.search({ q: 'trails' })).articles).toEqual([]);
    await caller.article.update({ slug: article.slug, tagList: ['trails'] });
    expect(titles((await callerFor(db).article.search({ q: 'trails' })).articles)).toEqual([
      'A day out',
    ]);
    await caller.article.update({ slug: article.slug, tagList: [], body: 'Swimming now.' });
    expect((await callerFor(db).article.search({ q: 'trails' })).articles).toEqual([]);
    expect((await callerFor(db).article.search({ q: 'hike' })).articles).toEqual([]);
    expect((await callerFor(db).article.search({ q: 'swim' })).articlesCount).toBe(1);
  });

  it('never shows an article once it is removed, by its author or by a moderator', async () => {
    const author = await signUp(db, { username: 'author' });
    const { article } = await author.caller.article.create({ ...draft, title: 'Ephemeral' });
    expect((await callerFor(db).article.search({ q: 'ephemeral' })).articlesCount).toBe(1);
    await author.caller.article.delete({ slug: article.slug });
    expect(await callerFor(db).article.search({ q: 'ephemeral' })).toEqual({
      articles: [],
      articlesCount: 0,
      moreMatches: false,
    });
  });

  it('pages through the matches in a stable order, within bounds', async () => {
    const { caller } = await signUp(db);
    for (let i = 0; i < 5; i++) {
      await caller.article.create({ ...draft, title: `Paged ${i}`, body: 'Same words.' });
    }
    const reader = callerFor(db);
    const first = await reader.article.search({ q: 'paged', limit: 2 });
    const second = await reader.article.search({ q: 'paged', limit: 2, offset: 2 });
    const third = await reader.article.search({ q: 'paged', limit: 2, offset: 4 });
    const all = [...first.articles, ...second.articles, ...third.articles].map((a) => a.slug);
    expect(new Set(all).size).toBe(5);
    expect(third.articles).toHaveLength(1);
    const past = await reader.article.search({ q: 'paged', offset: 40 });
    expect(past).toEqual({ articles: [], articlesCount: 5, moreMatches: false });

    expect(await refusedFields(reader.article.search({ q: 'paged', limit: 51 }))).toEqual([
      'limit',
    ]);
    expect(
      await refusedFields(reader.article.search({ q: 'paged', offset: SEARCH_MATCHES_RANKED + 1 })),
    ).toEqual(['offset']);
  });

  it('ranks the newest matches when more match than are ranked, and says there are more', async () => {
    const { caller } = await signUp(db, { username: 'bulk' });
    const [author] = await db.select({ id: users.id }).from(users);
    if (!author) throw new Error('no author');
    await db.insert(articles).values(
      Array.from({ length: SEARCH_MATCHES_RANKED + 1 }, (_, n) => ({
        slug: `old-${n}`,
        title: `Old ${n}`,
        description: '',
        body: 'A common word.',
        authorId: author.id,
      })),
    );
    await caller.article.create({ ...draft, title: 'Common, newest', body: 'Common.' });
    const page = await callerFor(db).article.search({ q: 'common', limit: 3 });
    expect(page).toMatchObject({ articlesCount: SEARCH_MATCHES_RANKED, moreMatches: true });
    expect(page.articles[0]?.title).toBe('Common, newest');
    const last = await callerFor(db).article.search({ q: 'common', offset: 990, limit: 50 });
    expect(last.articles).toHaveLength(10);
  });

  it('refuses a query with nothing to search for, naming q, and treats any syntax as words', async () => {
    const { caller } = await signUp(db);
    await caller.article.create({ ...draft, title: 'Operators & symbols', body: 'a|b (c) !d' });
    const reader = callerFor(db);
    for (const q of ['', '   ', `'":&|!()<>*`, 'x'.repeat(10_000), 'nul\0byte']) {
      expect(await refusedFields(reader.article.search({ q }))).toEqual(['q']);
    }
    // Stop words alone match nothing; operators and unbalanced quotes are not errors.
    expect((await reader.article.search({ q: 'the and' })).articles).toEqual([]);
    for (const q of ['"operators', 'symbols & | ! ( ) <> *:', '-operators symbols', 'or or or']) {
      const page = await reader.article.search({ q });
      expect(page.articlesCount).toBeLessThanOrEqual(1);
    }
    expect((await reader.article.search({ q: 'symbols &|!' })).articlesCount).toBe(1);
    expect((await reader.article.search({ q: 'symbols -operators' })).articlesCount).toBe(0);
  });
});
