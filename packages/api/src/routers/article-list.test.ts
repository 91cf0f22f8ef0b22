import {
  articles,
  articleTags,
  type Database,
  favorites,
  follows,
  type SQL,
  sql,
  tags,
} from '@conduit/db';
import { createUser, getTestDb, recordQueries, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, refusedFields, signUp } from '../../test/callers';
import { createCaller, createTRPCContext } from '../index';
import type { ListArticlesFilters } from '../schemas/article';
import type { ArticleCursor } from '../services/articles-cursor';
import { feedPageQuery, feedShape, listPageQuery } from '../services/articles-list';
import { chooseFeedPlan, FEED_PLANS, type FeedPlan } from '../services/feed-plan';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

type ListInput = Parameters<ReturnType<typeof callerFor>['article']['list']>[0];

const T0 = Date.parse('2024-03-01T12:00:00Z');
const MINUTE = 60_000;

interface Seeded {
  id: number;
  slug: string;
}

/**
 * Inserts `n` articles by `authorIds` (round robin) in one statement, the i-th created i minutes
 * after T0 unless `createdAt` says otherwise; tags and favorites in one statement each.
 */
async function seedArticles(
  n: number,
  authorIds: number[],
  options: {
    tagsOf?: (i: number) => string[];
    favoritedBy?: (i: number) => number[];
    createdAt?: (i: number) => SQL | Date;
  } = {},
): Promise<Seeded[]> {
  const rows = await db
    .insert(articles)
    .values(
      Array.from({ length: n }, (_, i) => ({
        slug: `seeded-${i}`,
        title: `Seeded ${i}`,
        description: `About ${i}`,
        body: `Body ${i}`,
        authorId: authorIds[i % authorIds.length] ?? 0,
        createdAt: options.createdAt?.(i) ?? new Date(T0 + i * MINUTE),
      })),
    )
    .returning({ id: articles.id, slug: articles.slug });
  const tagNames = [...new Set(rows.flatMap((_, i) => options.tagsOf?.(i) ?? []))];
  if (tagNames.length > 0) {
    const tagRows = await db
      .insert(tags)
      .values(tagNames.map((name) => ({ name })))
      .returning();
    const tagId = new Map(tagRows.map((t) => [t.name, t.id]));
    await db.insert(articleTags).values(
      rows.flatMap((row, i) =>
        (options.tagsOf?.(i) ?? []).map((name) => ({
          articleId: row.id,
          tagId: tagId.get(name) ?? 0,
        })),
      ),
    );
  }
  const favs = rows.flatMap((row, i) =>
    (options.favoritedBy?.(i) ?? []).map((userId) => ({ userId, articleId: row.id })),
  );
  if (favs.length > 0) await db.insert(favorites).values(favs);
  return rows;
}

/** Slugs of every page from the first, following nextCursor, with `limit` per page. */
async function walkWithCursor(input: ListInput & object, limit: number): Promise<string[]> {
  const caller = callerFor(db);
  const slugs: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await caller.article.list({ ...input, limit, ...(cursor ? { cursor } : {}) });
    slugs.push(...page.articles.map((a) => a.slug));
    if (page.nextCursor === null) return slugs;
    cursor = page.nextCursor;
  }
  throw new Error('the cursor never ended');
}

describe('article.list', () => {
  it('lists newest first, 20 by default, without bodies, with the exact total', async () => {
    const author = await createUser(db);
    await seedArticles(25, [author.id]);
    const page = await callerFor(db).article.list();
    expect(page.articlesCount).toBe(25);
    expect(page.articles).toHaveLength(20);
    expect(page.articles.map((a) => a.slug)).toEqual(
      Array.from({ length: 20 }, (_, i) => `seeded-${24 - i}`),
    );
    expect(page.articles[0]).toEqual({
      slug: 'seeded-24',
      title: 'Seeded 24',
      description: 'About 24',
      tagList: [],
      createdAt: new Date(T0 + 24 * MINUTE).toISOString(),
      updatedAt: expect.any(String),
      favorited: false,
      favoritesCount: 0,
      author: { username: author.username, bio: null, image: null, following: false },
    });
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('combines the tag, author and favorited filters, with exact counts', async () => {
    const alice = await createUser(db, { username: 'Alice' });
    const bob = await createUser(db, { username: 'bob' });
    const fan = await createUser(db, { username: 'fan' });
    // i even: alice, odd: bob; i % 3 == 0: tagged rust; i % 4 < 2: favorited by fan.
    await seedArticles(24, [alice.id, bob.id], {
      tagsOf: (i) => (i % 3 === 0 ? ['rust', 'misc'] : ['misc']),
      favoritedBy: (i) => (i % 4 < 2 ? [fan.id, bob.id] : [bob.id]),
    });
    const list = async (input: ListInput) => {
      const page = await callerFor(db).article.list({ ...input, limit: 100 });
      const indexes = page.articles.map((a) => Number(a.slug.replace('seeded-', '')));
      expect(page.articlesCount).toBe(indexes.length);
      return indexes.sort((a, b) => a - b);
    };
    const all = Array.from({ length: 24 }, (_, i) => i);
    expect(await list({ tag: 'rust' })).toEqual(all.filter((i) => i % 3 === 0));
    expect(await list({ tag: ' RUST ' })).toEqual(all.filter((i) => i % 3 === 0));
    expect(await list({ author: 'alice' })).toEqual(all.filter((i) => i % 2 === 0));
    expect(await list({ favorited: 'FAN' })).toEqual(all.filter((i) => i % 4 < 2));
    expect(await list({ tag: 'rust', author: 'Alice' })).toEqual(all.filter((i) => i % 6 === 0));
    expect(await list({ tag: 'rust', author: 'bob', favorited: 'fan' })).toEqual(
      all.filter((i) => i % 3 === 0 && i % 2 === 1 && i % 4 < 2),
    );
    expect(await list({ author: 'nobody' })).toEqual([]);
    expect(await list({ tag: 'unknown' })).toEqual([]);
    expect(await list({ favorited: 'nobody' })).toEqual([]);
  });

  it('shows tags sorted, favorites counts and the viewer flags in the list', async () => {
    const viewer = await signUp(db, { username: 'viewer' });
    const author = await createUser(db, { username: 'writer' });
    const viewerId =
      (await createTRPCContext({ db, sessionToken: { value: viewer.token, from: 'header' } }))
        .viewer?.user.id ?? 0;
    await db.insert(follows).values({ followerId: viewerId, followeeId: author.id });
    const other = await createUser(db);
    await seedArticles(2, [author.id], {
      tagsOf: () => ['zeta', 'alpha', 'mid'],
      favoritedBy: (i) => (i === 1 ? [viewerId, other.id] : [other.id]),
    });
    const { articles: listed } = await viewer.caller.article.list();
    expect(listed.map((a) => [a.slug, a.favorited, a.favoritesCount])).toEqual([
      ['seeded-1', true, 2],
      ['seeded-0', false, 1],
    ]);
    for (const a of listed) {
      expect(a.tagList).toEqual(['alpha', 'mid', 'zeta']);
      expect(a.author).toMatchObject({ username: 'writer', following: true });
    }
    // Anonymous readers see no viewer flags.
    const anonymous = await callerFor(db).article.list();
    expect(anonymous.articles.map((a) => [a.favorited, a.author.following])).toEqual([
      [false, false],
      [false, false],
    ]);
  });

  it('pages with limit and offset without overlap, covering every article once', async () => {
    const author = await createUser(db);
    await seedArticles(23, [author.id]);
    const seen: string[] = [];
    for (let offset = 0; offset < 23; offset += 5) {
      const page = await callerFor(db).article.list({ limit: 5, offset });
      expect(page.articlesCount).toBe(23);
      seen.push(...page.articles.map((a) => a.slug));
    }
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `seeded-${22 - i}`));
    expect((await callerFor(db).article.list({ offset: 23 })).articles).toEqual([]);
  });

  it('walks every article once, in order, with the cursor, also within one millisecond', async () => {
    const author = await createUser(db);
    const other = await createUser(db);
    // Ids and times disagree, several articles share a millisecond (differing in microseconds),
    // and some share the very same instant (ordered by id): a cursor must get all of it right.
    const micros = [3, 1, 2, 2, 2, 0, 5, 4, 4, 9, 7, 8, 6, 6, 1, 0, 3];
    const rows = await seedArticles(micros.length, [author.id, other.id], {
      createdAt: (i) =>
        sql`${`2024-03-01T12:00:00.${String(micros[i] ?? 0).padStart(6, '0')}Z`}::timestamptz`,
      tagsOf: (i) => (i % 2 === 0 ? ['even'] : []),
    });
    const expected = rows
      .map((row, i) => ({ ...row, at: micros[i] ?? 0 }))
      .sort((a, b) => b.at - a.at || b.id - a.id)
      .map((row) => row.slug);
    for (const limit of [1, 2, 3, 7, 100]) {
      expect(await walkWithCursor({}, limit)).toEqual(expected);
    }
    const evens = expected.filter((slug) => Number(slug.replace('seeded-', '')) % 2 === 0);
    expect(await walkWithCursor({ tag: 'even' }, 2)).toEqual(evens);
    expect(await walkWithCursor({ author: author.username }, 3)).toEqual(evens);
  });

  it('refuses bad paging input with 400 naming the field', async () => {
    const caller = callerFor(db);
    expect(await refusedFields(caller.article.list({ limit: 101 }))).toEqual(['limit']);
    expect(await refusedFields(caller.article.list({ limit: 0 }))).toEqual(['limit']);
    expect(await refusedFields(caller.article.list({ offset: -1 }))).toEqual(['offset']);
    expect(await refusedFields(caller.article.list({ offset: 10_001 }))).toEqual(['offset']);
    expect(await refusedFields(caller.article.list({ limit: 1.5 }))).toEqual(['limit']);
    const good = Buffer.from('2024-03-01T12:00:00.000001Z|5').toString('base64url');
    await expect(caller.article.list({ cursor: good })).resolves.toMatchObject({ articles: [] });
    const malformed = [
      'not a cursor',
      '',
      'AAAA',
      `${good}=`,
      Buffer.from('2024-03-01T12:00:00.000Z|5').toString('base64url'),
      Buffer.from('2024-02-30T12:00:00.000001Z|5').toString('base64url'),
      Buffer.from('2024-03-01T12:00:00.000001Z|0').toString('base64url'),
      Buffer.from('2024-03-01T12:00:00.000001Z|99999999999').toString('base64url'),
      Buffer.from("2024-03-01T12:00:00.000001Z|5' or 1=1").toString('base64url'),
    ];
    for (const cursor of malformed) {
      expect(await refusedFields(caller.article.list({ cursor }))).toEqual(['cursor']);
    }
    expect(await refusedFields(caller.article.list({ cursor: good, offset: 0 }))).toEqual([
      'offset',
    ]);
    expect(await refusedFields(caller.article.list({ tag: 'x'.repeat(33) }))).toEqual(['tag']);
    expect(await refusedFields(caller.article.list({ author: 'bad name!' }))).toEqual(['author']);
  });
});

describe('article.feed', () => {
  it('lists articles by followed authors only, newest first, with paging', async () => {
    const reader = await signUp(db, { username: 'reader' });
    const ctx = await createTRPCContext({
      db,
      sessionToken: { value: reader.token, from: 'header' },
    });
    const readerId = ctx.viewer?.user.id ?? 0;
    const [followed, alsoFollowed, ignored] = await Promise.all([
      createUser(db),
      createUser(db),
      createUser(db),
    ]);
    if (!followed || !alsoFollowed || !ignored) throw new Error('no users');
    await db.insert(follows).values([
      { followerId: readerId, followeeId: followed.id },
      { followerId: readerId, followeeId: alsoFollowed.id },
    ]);
    // Round robin: i % 3 == 0 followed, 1 alsoFollowed, 2 ignored.
    await seedArticles(15, [followed.id, alsoFollowed.id, ignored.id]);
    const expected = Array.from({ length: 15 }, (_, i) => 14 - i)
      .filter((i) => i % 3 !== 2)
      .map((i) => `seeded-${i}`);

    const page = await reader.caller.article.feed({ limit: 4 });
    expect(page.articlesCount).toBe(10);
    expect(page.articles.map((a) => a.slug)).toEqual(expected.slice(0, 4));
    for (const a of page.articles) expect(a.author.following).toBe(true);
    const second = await reader.caller.article.feed({ limit: 4, offset: 4 });
    expect(second.articles.map((a) => a.slug)).toEqual(expected.slice(4, 8));

    const walked: string[] = [];
    let cursor: string | undefined;
    do {
      const next = await reader.caller.article.feed({ limit: 3, ...(cursor ? { cursor } : {}) });
      walked.push(...next.articles.map((a) => a.slug));
      cursor = next.nextCursor ?? undefined;
    } while (cursor);
    expect(walked).toEqual(expected);
  });

  it('gives the same pages by every plan, and chooses one by the follows', async () => {
    // Twenty authors of three articles each; one reader follows all twenty (their articles are
    // the whole site: a walk of the site's index is the short way), another follows one (per
    // author).
    const authors = await Promise.all(Array.from({ length: 20 }, () => createUser(db)));
    await seedArticles(
      60,
      authors.map((author) => author.id),
    );
    const many = await signUp(db, { username: 'followsall' });
    const one = await signUp(db, { username: 'followsone' });
    const idOf = async (token: string) =>
      (await createTRPCContext({ db, sessionToken: { value: token, from: 'header' } })).viewer?.user
        .id ?? 0;
    const [manyId, oneId] = [await idOf(many.token), await idOf(one.token)];
    await db
      .insert(follows)
      .values([
        ...authors.map((author) => ({ followerId: manyId, followeeId: author.id })),
        { followerId: oneId, followeeId: authors[3]?.id ?? 0 },
      ]);
    const planOf = async (viewerId: number, page: { limit: number; offset?: number }) =>
      chooseFeedPlan({ ...(await feedShape(db, viewerId)), ...page });
    expect(await planOf(manyId, { limit: 1 })).toBe('site-index-probe');
    expect(await planOf(manyId, { limit: 4 })).toBe('site-index-set');
    expect(await planOf(oneId, { limit: 4 })).toBe('per-author');
    expect(await planOf(oneId, { limit: 4, offset: 4 })).not.toBe('per-author');

    /** Every page by one plan, following the cursor, as article ids. */
    const pagesBy = async (plan: FeedPlan, viewerId: number) => {
      const ids: number[] = [];
      let cursor: ArticleCursor | undefined;
      for (;;) {
        const rows = await feedPageQuery(db, plan, viewerId, { limit: 4, cursor });
        const shown = rows.slice(0, 4);
        ids.push(...shown.map((row) => row.id));
        const last = shown.at(-1);
        if (rows.length <= 4 || !last) return ids;
        cursor = { createdAt: last.cursorTime, id: last.id };
      }
    };
    const walk = async (caller: typeof many.caller) => {
      const slugs: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await caller.article.feed({ limit: 4, ...(cursor ? { cursor } : {}) });
        slugs.push(...page.articles.map((a) => a.slug));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return slugs;
    };
    const newestFirst = Array.from({ length: 60 }, (_, i) => 59 - i);
    for (const [reader, viewerId, expected] of [
      [many, manyId, newestFirst],
      [one, oneId, newestFirst.filter((i) => i % 20 === 3)],
    ] as const) {
      expect(await walk(reader.caller)).toEqual(expected.map((i) => `seeded-${i}`));
      const byPlan = await Promise.all(FEED_PLANS.map((plan) => pagesBy(plan, viewerId)));
      expect(byPlan[0]).toHaveLength(expected.length);
      for (const ids of byPlan) expect(ids).toEqual(byPlan[0]);
      const offsetPage = await reader.caller.article.feed({ limit: 4, offset: 4 });
      expect(offsetPage.articles.map((a) => a.slug)).toEqual(
        expected.slice(4, 8).map((i) => `seeded-${i}`),
      );
    }
    expect((await many.caller.article.feed({ limit: 4 })).articlesCount).toBe(60);
    expect((await one.caller.article.feed({ limit: 4 })).articlesCount).toBe(3);
  });

  it('is empty for someone who follows no one, and refused to anonymous callers (401)', async () => {
    const author = await createUser(db);
    await seedArticles(3, [author.id]);
    const loner = await signUp(db);
    expect(await loner.caller.article.feed()).toEqual({
      articles: [],
      articlesCount: 0,
      nextCursor: null,
    });
    const error = await callerFor(db)
      .article.feed()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('bounded queries', () => {
  it('lists 1 or 100 articles, with tags, favorites and flags, in the same 2 queries', async () => {
    const viewer = await signUp(db);
    const ctx = await createTRPCContext({
      db,
      sessionToken: { value: viewer.token, from: 'header' },
    });
    const caller = createCaller(ctx);
    const viewerId = ctx.viewer?.user.id ?? 0;
    const authors = await Promise.all(Array.from({ length: 4 }, () => createUser(db)));
    const authorIds = authors.map((a) => a.id);
    await db.insert(follows).values({ followerId: viewerId, followeeId: authorIds[0] ?? 0 });
    await seedArticles(120, authorIds, {
      tagsOf: (i) => [`t${i % 5}`, 'all'],
      favoritedBy: (i) => (i % 2 === 0 ? [viewerId, ...authorIds.slice(1)] : authorIds.slice(0, 1)),
    });

    const one = await recordQueries(() => caller.article.list({ limit: 1 }));
    const hundred = await recordQueries(() => caller.article.list({ limit: 100 }));
    expect(one.result.articles).toHaveLength(1);
    expect(hundred.result.articles).toHaveLength(100);
    expect(hundred.result.articlesCount).toBe(120);
    expect(hundred.queries).toHaveLength(one.queries.length);
    expect(hundred.queries.length).toBeLessThanOrEqual(2);
    for (const [n, a] of hundred.result.articles.entries()) {
      const i = 119 - n;
      expect(a.slug).toBe(`seeded-${i}`);
      expect(a.tagList).toEqual(['all', `t${i % 5}`].sort());
      expect(a.favorited).toBe(i % 2 === 0);
      expect(a.favoritesCount).toBe(i % 2 === 0 ? 4 : 1);
      expect(a.author.following).toBe(i % 4 === 0);
    }

    const filtered = { tag: 'all', favorited: ctx.viewer?.user.username ?? '' };
    const few = await recordQueries(() => caller.article.list({ ...filtered, limit: 1 }));
    const many = await recordQueries(() => caller.article.list({ ...filtered, limit: 100 }));
    expect(many.result.articles).toHaveLength(60);
    expect(many.queries).toHaveLength(few.queries.length);

    const feedOne = await recordQueries(() => caller.article.feed({ limit: 1 }));
    const feedAll = await recordQueries(() => caller.article.feed({ limit: 100 }));
    expect(feedAll.result.articles).toHaveLength(30);
    expect(feedAll.queries).toHaveLength(feedOne.queries.length);
    expect(feedAll.queries.length).toBeLessThanOrEqual(2);

    const get = await recordQueries(() => caller.article.get({ slug: 'seeded-0' }));
    expect(get.result.article).toMatchObject({ favoritesCount: 4, tagList: ['all', 't0'] });
    expect(get.queries).toHaveLength(1);
  });

  it('reads a page from the newest-first indexes, never sorting the whole table', async () => {
    const author = await createUser(db, { username: 'indexed' });
    await seedArticles(30, [author.id]);
    const reader = await createUser(db);
    await db.insert(follows).values({ followerId: reader.id, followeeId: author.id });
    /**
     * The plan of a page query, with table scans priced out and, unless `sorts` is given, sorts
     * too (on a table this small a sort is cheapest): whether the query lets an index give the
     * order, or, with sorts allowed, whether it leaves the planner any way to sort instead.
     * `verbose` shows each output column's expression; `settings` are set for the one plan.
     */
    const planOf = (
      query: { toSQL(): { sql: string; params: unknown[] } },
      { sorts = false, verbose = false, settings = {} as Record<string, string> } = {},
    ) => {
      const { sql: text, params } = query.toSQL();
      // The query again, with its parameters in their places: `$n` becomes the n-th parameter.
      const chunks = text
        .split(/\$(\d+)/)
        .map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${params[Number(part) - 1]}`));
      const off = ['enable_seqscan', 'enable_bitmapscan', ...(sorts ? [] : ['enable_sort'])];
      return db.transaction(async (tx) => {
        for (const [setting, value] of [
          ...off.map((name) => [name, 'off']),
          ...Object.entries(settings),
        ]) {
          await tx.execute(sql`select set_config(${setting}, ${value}, true)`);
        }
        const explain = sql.raw(verbose ? 'explain (verbose)' : 'explain');
        const result: unknown = await tx.execute(sql`${explain} ${sql.join(chunks)}`);
        const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
        return rows.map((row) => String(Object.values(row as object)[0])).join('\n');
      });
    };
    const list = (filters: ListArticlesFilters) =>
      planOf(listPageQuery(db, filters, { limit: 20 }, undefined));
    /** The index the page's rows are read from, if they are read in index order (no Sort). */
    const pageIndex = (plan: string) => {
      const below = plan.slice(plan.indexOf('Limit'));
      const scan = /->\s+(?:Index|Index Only) Scan using (\w+) on articles/.exec(below);
      const sorted = below.slice(0, scan?.index ?? below.length).includes('Sort');
      return sorted ? 'sorted' : scan?.[1];
    };
    expect(pageIndex(await list({}))).toBe('articles_created_at_id_idx');
    expect(pageIndex(await list({ author: 'indexed' }))).toBe('articles_author_created_at_idx');
    // The feed's walks go down the newest-first index even where sorting the followed authors'
    // articles looks cheaper to the planner, as it does on a table this small: the plan was
    // chosen for a short walk (decision 036). Each checks the author its own way.
    for (const [plan, check] of [
      ['site-index-set', /Filter: .*hashed SubPlan/],
      ['site-index-probe', /Filter: \(?(?:EXISTS\()?SubPlan/],
    ] as const) {
      const walk = await planOf(feedPageQuery(db, plan, reader.id, { limit: 20 }), { sorts: true });
      expect(pageIndex(walk)).toBe('articles_created_at_id_idx');
      expect(walk).toMatch(check);
    }
    // The viewer's flags are probed per row, never read whole into a hash table first (all of
    // a reader's follows or favorites for a page of twenty), even where probes look dear.
    const flags = await planOf(feedPageQuery(db, 'per-author', reader.id, { limit: 20 }), {
      verbose: true,
      settings: { random_page_cost: '1000' },
    });
    expect(flags).not.toMatch(/hashed SubPlan/);
  });
});
