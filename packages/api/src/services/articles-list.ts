// Newest-first pages of articles (filtered lists and the feed): two queries whatever the page size.
import {
  and,
  articles,
  articleTags,
  count,
  counters,
  type Database,
  desc,
  descIndexed,
  eq,
  favorites,
  feedTotals,
  follows,
  type Placeholder,
  type SQL,
  sql,
  tags,
  usernameIs,
  users,
} from '@conduit/db';
import type { ArticlePage, ListArticlesFilters, PageRequest } from '../schemas/article';
import { type ArticleCursor, encodeCursor } from './articles-cursor';
import { type ArticleRefs, summaryColumns, toSummary } from './articles-view';
import { chooseFeedPlan, type FeedPlan } from './feed-plan';
import { preparedByShape, preparedPer } from './prepared';

/** A value of the query, or a placeholder for it in a prepared one (prepared.ts). */
type Bound<T> = T | Placeholder;

/** The id of the user named `username` (any case), as a scalar subquery; null when there is none. */
const userIdNamed = (username: Bound<string>) =>
  sql`(select ${users.id} from ${users} where ${usernameIs(username)})`;

const tagIdNamed = (tag: Bound<string>) =>
  sql`(select ${tags.id} from ${tags} where ${tags.name} = ${tag})`;

/**
 * The filters as conditions on `articles`. Tag and favorited-by are `exists` semi-joins, so an
 * article matches once however it matches, and the planner may walk the newest-first index and
 * probe the link tables by their keys. A filter naming a tag or user that does not exist is
 * checked first, once (`is not null` on an uncorrelated subquery is a one-time filter), so it
 * answers at once instead of probing every article for a match that cannot be.
 */
/** Filters with their values, or placeholders for them in a prepared query. */
type BoundFilters = { [filter in keyof ListArticlesFilters]?: Bound<string> | undefined };

/** Which filters are given, as a key: one prepared statement per key. */
const filtersKey = ({ tag, author, favorited }: ListArticlesFilters) =>
  [
    tag !== undefined && 'tag',
    author !== undefined && 'author',
    favorited !== undefined && 'favorited',
  ]
    .filter(Boolean)
    .join('_') || 'all';

/** The filters a key names, each as a placeholder of its own name. */
function placeholderFilters(key: string): BoundFilters {
  const given = new Set(key.split('_'));
  const value = (name: 'tag' | 'author' | 'favorited') =>
    given.has(name) ? sql.placeholder(name) : undefined;
  return { tag: value('tag'), author: value('author'), favorited: value('favorited') };
}

function filterConditions({ tag, author, favorited }: BoundFilters): SQL[] {
  const conditions: SQL[] = [];
  if (tag !== undefined) {
    conditions.push(sql`${tagIdNamed(tag)} is not null and exists (select 1 from ${articleTags}
      where ${articleTags.articleId} = ${articles.id} and ${articleTags.tagId} = ${tagIdNamed(tag)})`);
  }
  if (author !== undefined) {
    conditions.push(sql`${articles.authorId} = ${userIdNamed(author)}`);
  }
  if (favorited !== undefined) {
    conditions.push(sql`${userIdNamed(favorited)} is not null and exists (select 1 from ${favorites}
      where ${favorites.userId} = ${userIdNamed(favorited)} and ${favorites.articleId} = ${articles.id})`);
  }
  return conditions;
}

/** The number a one-row count query answers. */
const countOf = async (query: PromiseLike<{ count: number }[]>) => (await query)[0]?.count ?? 0;

/**
 * How many articles match. Without a filter, by author alone and by tag alone, the total is kept
 * by triggers (`counters`, `users.articles_count`, `tags.articles_count`, migrations 0001–0002):
 * one row read, however many articles. Favorited alone is counted from the favorites' own index
 * (each row stands for one existing article, so no join to `articles`). Anything else counts the
 * matching articles.
 */
async function countMatching(
  db: Database,
  filters: ListArticlesFilters,
  where: SQL | undefined,
): Promise<number> {
  const prepared = preparedCount(db, filtersKey(filters));
  return countOf(prepared ? prepared.execute(filters) : countQuery(db, filters, where));
}

function countQuery(db: Database, filters: BoundFilters, where: SQL | undefined) {
  const { tag, author, favorited } = filters;
  const given = [tag, author, favorited].filter((filter) => filter !== undefined).length;
  if (given === 0)
    return db.select({ count: counters.value }).from(counters).where(eq(counters.name, 'articles'));
  if (given === 1 && author !== undefined)
    return db.select({ count: users.articlesCount }).from(users).where(usernameIs(author));
  if (given === 1 && tag !== undefined)
    return db.select({ count: tags.articlesCount }).from(tags).where(eq(tags.name, tag));
  if (given === 1 && favorited !== undefined)
    return db
      .select({ count: count() })
      .from(favorites)
      .where(eq(favorites.userId, userIdNamed(favorited)));
  return db.select({ count: count() }).from(articles).where(where);
}

/** The list total's query, prepared once per database and set of filters given (prepared.ts). */
const preparedCount = preparedByShape((db, key) => {
  const filters = placeholderFilters(key);
  return countQuery(db, filters, and(...filterConditions(filters))).prepare(`article_count_${key}`);
});

/** Articles matching the filters, newest first. */
export async function listArticles(
  db: Database,
  filters: ListArticlesFilters,
  page: PageRequest,
  viewerId: number | undefined,
): Promise<ArticlePage> {
  return (await listArticlesWithRefs(db, filters, page, viewerId)).page;
}

/** The same, with the ids each article's viewer flags are about (for the hot-read cache). */
export function listArticlesWithRefs(
  db: Database,
  filters: ListArticlesFilters,
  page: PageRequest,
  viewerId: number | undefined,
): Promise<PageWithRefs> {
  const where = and(...filterConditions(filters));
  return pageOfArticles(
    listPage(db, filters, page, viewerId) ?? pageQuery(db, idsWhere(db, where, page), viewerId),
    countMatching(db, filters, where),
    page.limit,
  );
}

/**
 * A list page's query, prepared once per database and shape (which filters, a cursor or not, a
 * viewer or not: at most 32), its values bound per call (prepared.ts).
 */
const preparedListPage = preparedByShape((db, key) => {
  const [filters = 'all', cursor, viewer] = key.split('|');
  const value = (name: string) => sql.placeholder(name);
  const ids = idsWhereRows(db, and(...filterConditions(placeholderFilters(filters))), {
    rows: value('rows'),
    offset: value('offset'),
    cursor:
      cursor === 'cursor' ? { createdAt: value('cursorTime'), id: value('cursorId') } : undefined,
  });
  return pageQuery(db, ids, viewer === 'viewer' ? value('viewerId') : undefined).prepare(
    `article_list_${key.replaceAll('|', '_')}`,
  );
});

function listPage(
  db: Database,
  filters: ListArticlesFilters,
  { limit, offset, cursor }: PageRequest,
  viewerId: number | undefined,
) {
  const key = [
    filtersKey(filters),
    cursor ? 'cursor' : '',
    viewerId === undefined ? '' : 'viewer',
  ].join('|');
  return preparedListPage(db, key)?.execute({
    ...filters,
    rows: limit + 1,
    offset: offset ?? 0,
    cursorTime: cursor?.createdAt,
    cursorId: cursor?.id,
    viewerId,
  });
}

/** Articles by the authors the viewer follows, newest first. */
export async function feedArticles(
  db: Database,
  viewerId: number,
  page: PageRequest,
): Promise<ArticlePage> {
  return (await feedArticlesWithRefs(db, viewerId, page)).page;
}

/** The same, with the ids each article's viewer flags are about (for the hot-read cache). */
export async function feedArticlesWithRefs(
  db: Database,
  viewerId: number,
  page: PageRequest,
): Promise<PageWithRefs> {
  const shape = await feedShape(db, viewerId);
  // Nobody followed, or nothing written by those who are: no page to look for.
  if (shape.followedArticles === 0)
    return { page: { articles: [], articlesCount: 0, nextCursor: null }, refs: [] };
  // A page after an offset is always a walk (feed-plan.ts): per author, every followed author
  // would contribute offset + limit rows.
  const plan = chooseFeedPlan({ ...shape, limit: page.limit, offset: page.offset });
  const { limit, offset, cursor } = page;
  const prepared = preparedFeedPage(db, `${plan}|${cursor ? 'cursor' : ''}`);
  const rows =
    prepared?.execute({
      viewerId,
      rows: limit + 1,
      offset: offset ?? 0,
      cursorTime: cursor?.createdAt,
      cursorId: cursor?.id,
    }) ?? feedPageQuery(db, plan, viewerId, page);
  const total = Promise.resolve(shape.followedArticles);
  return pageOfArticles(rows, total, limit);
}

/** The ids of a feed page by the plan chosen (feed-plan.ts). */
function feedPageIds(
  db: Database,
  plan: FeedPlan,
  viewerId: Bound<number>,
  page: Parameters<typeof idsWhereRows>[2],
) {
  if (plan === 'per-author') return feedIds(db, viewerId, page);
  const followed = plan === 'site-index-set' ? followedSet(viewerId) : followedProbe(viewerId);
  return idsWhereRows(db, followed, page);
}

// The two checks of a site-index walk (feed-plan.ts), each written so that PostgreSQL keeps it:
// left to itself it turns a plain `in` or `exists` into a join, and with its guess at follows per
// reader may read every article of every followed author and sort them (the per-author plan
// without its per-author limit: 17,808 entries for a reader of 100 authors in the bench's feed
// phase, where the walk reads 630). The plan was chosen for a short walk; the statement must not
// let the planner undo it.

/**
 * The article's author is in the reader's follows, read once into a hash table: an `in` that is
 * not a condition of its own (`is true`) stays a hashed subplan instead of becoming a join.
 */
const followedSet = (viewerId: Bound<number>) =>
  sql`(${articles.authorId} in (select ${follows.followeeId} from ${follows}
    where ${follows.followerId} = ${viewerId})) is true`;

/**
 * The article's author is in the reader's follows, by a probe of the follows key for each article
 * walked: `offset 0` keeps the `exists` a subplan run per article instead of a join.
 */
const followedProbe = (viewerId: Bound<number>) =>
  sql`exists (select from ${follows} where ${follows.followerId} = ${viewerId}
    and ${follows.followeeId} = ${articles.authorId} offset 0)`;

/** A feed page's query, prepared once per database, plan and cursor or not (prepared.ts). */
const preparedFeedPage = preparedByShape((db, key) => {
  const [plan, cursor] = key.split('|') as [FeedPlan, string];
  const value = (name: string) => sql.placeholder(name);
  const ids = feedPageIds(db, plan, value('viewerId'), {
    rows: value('rows'),
    offset: value('offset'),
    cursor:
      cursor === 'cursor' ? { createdAt: value('cursorTime'), id: value('cursorId') } : undefined,
  });
  return pageQuery(db, ids, value('viewerId')).prepare(`feed_${key.replace('|', '_')}`);
});

const feedShapeQuery = (db: Database, viewerId: Bound<number>) =>
  db
    .select({
      follows: feedTotals.follows,
      followedArticles: feedTotals.articles,
      siteArticles: sql<number>`coalesce((select ${counters.value} from ${counters}
        where ${counters.name} = 'articles'), 0)::integer`,
    })
    .from(feedTotals)
    .where(eq(feedTotals.readerId, viewerId));

const preparedFeedShape = preparedPer((db) =>
  feedShapeQuery(db, sql.placeholder('viewerId')).prepare('feed_shape'),
);

/**
 * What the feed's plan is chosen by, in one statement from rows the triggers keep (migration
 * 0006): how many authors the viewer follows, their articles together (also the feed's total),
 * and the site's. One row whatever the follows; a reader who never followed anyone has none.
 */
export async function feedShape(db: Database, viewerId: number) {
  const prepared = preparedFeedShape(db);
  const [shape] = prepared
    ? await prepared.execute({ viewerId })
    : await feedShapeQuery(db, viewerId);
  return shape ?? { follows: 0, followedArticles: 0, siteArticles: 0 };
}

// Exactly the order of articles_created_at_id_idx and articles_author_created_at_idx (Drizzle's
// `desc()` omits NULLS LAST, and `desc` alone means NULLS FIRST: the planner would then sort the
// whole table instead of reading the index, although the columns are never null).
const newestFirst = [descIndexed(articles.createdAt), descIndexed(articles.id)];

/** Rows after the cursor in newest-first order: a range of articles_created_at_id_idx. */
const afterCursor = (cursor: { [field in keyof ArticleCursor]: Bound<ArticleCursor[field]> }) =>
  sql`(${articles.createdAt}, ${articles.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id}::integer)`;

/** The database's own microsecond-exact time of the row, for the next cursor. */
const cursorTime = sql<string>`to_char(${articles.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The ids of one page (one row more than asked, which tells whether a next page exists), from
 * the index, with nothing else computed for the rows an offset skips.
 */
function idsWhere(db: Database, where: SQL | undefined, { limit, offset, cursor }: PageRequest) {
  return idsWhereRows(db, where, { rows: limit + 1, offset: offset ?? 0, cursor });
}

function idsWhereRows(
  db: Database,
  where: SQL | undefined,
  {
    rows,
    offset,
    cursor,
  }: {
    rows: Bound<number>;
    offset: Bound<number>;
    cursor: Parameters<typeof afterCursor>[0] | undefined;
  },
) {
  return db
    .select({ id: articles.id })
    .from(articles)
    .where(and(where, cursor ? afterCursor(cursor) : undefined))
    .orderBy(...newestFirst)
    .limit(rows)
    .offset(offset)
    .as('page');
}

/**
 * The feed's page ids without an offset (the first page, or after a cursor): the newest articles
 * of each followed author, from articles_author_created_at_idx (no more of one author than the
 * page can show), merged. That reads at most follows × (limit + 1) index entries, however large
 * the site; walking the site-wide newest-first index instead reads past every article of every
 * author not followed.
 */
function feedIds(
  db: Database,
  viewerId: Bound<number>,
  { rows, cursor }: Parameters<typeof idsWhereRows>[2],
) {
  const perAuthor = db
    .select({ id: articles.id, createdAt: articles.createdAt })
    .from(articles)
    .where(and(eq(articles.authorId, follows.followeeId), cursor ? afterCursor(cursor) : undefined))
    .orderBy(...newestFirst)
    .limit(rows)
    .as('recent');
  return db
    .select({ id: perAuthor.id })
    .from(follows)
    .crossJoinLateral(perAuthor)
    .where(eq(follows.followerId, viewerId))
    .orderBy(desc(perAuthor.createdAt), desc(perAuthor.id))
    .limit(rows)
    .as('page');
}

/**
 * The query of one page: the ids picked first (`idsWhere`, `feedIds`), then those articles with
 * their author, flags, counts and tags.
 */
function pageQuery(
  db: Database,
  pageIds: ReturnType<typeof idsWhere> | ReturnType<typeof feedIds>,
  viewerId: Bound<number> | undefined,
) {
  return db
    .select({
      ...summaryColumns(viewerId),
      id: articles.id,
      authorId: articles.authorId,
      cursorTime,
    })
    .from(pageIds)
    .innerJoin(articles, eq(articles.id, pageIds.id))
    .innerJoin(users, eq(users.id, articles.authorId))
    .orderBy(...newestFirst);
}

/** The page query `listArticles` runs, unexecuted (for EXPLAIN in tests). */
export function listPageQuery(
  db: Database,
  filters: ListArticlesFilters,
  page: PageRequest,
  viewerId: number | undefined,
) {
  return pageQuery(db, idsWhere(db, and(...filterConditions(filters)), page), viewerId);
}

/** The page query a feed plan runs, unprepared (also for EXPLAIN in tests). */
export function feedPageQuery(db: Database, plan: FeedPlan, viewerId: number, page: PageRequest) {
  const ids = feedPageIds(db, plan, viewerId, {
    rows: page.limit + 1,
    offset: page.offset ?? 0,
    cursor: page.cursor,
  });
  return pageQuery(db, ids, viewerId);
}

export interface PageWithRefs {
  page: ArticlePage;
  /** In the page's order. */
  refs: ArticleRefs[];
}

/** One page and the total count, in two queries run side by side. */
async function pageOfArticles(
  page: PromiseLike<Awaited<ReturnType<typeof pageQuery>>>,
  total: Promise<number>,
  limit: number,
): Promise<PageWithRefs> {
  const [rows, articlesCount] = await Promise.all([page, total]);
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    page: {
      articles: shown.map(toSummary),
      articlesCount,
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ createdAt: last.cursorTime, id: last.id })
          : null,
    },
    refs: shown.map(({ id, authorId }) => ({ id, authorId })),
  };
}
