// The hot reads served from the cache (see cache.ts, decision 038): an article by slug, list pages
// (unfiltered, by tag, by author; first, offset and cursor pages), profiles, and a reader's first
// feed page. What is kept is what an anonymous reader sees. On a hit, a signed-in viewer's own
// flags (`favorited`, `following`) are read for that viewer alone, in one small indexed query,
// and laid over the copy: no viewer is ever served another viewer's flags. The feed is the one
// copy kept per reader, flags included (its key names the reader; see readFeedFirstPage).
//
// Each value is kept with the entities it shows (cache-tags.ts): the articles and their authors,
// and for a list which articles it holds. Every load goes to `db`, the primary: a value loaded
// from a lagging replica could put back in the shared cache what a write just replaced.
import {
  and,
  type Database,
  eq,
  favorites,
  follows,
  inArray,
  type Placeholder,
  type SQL,
  sql,
} from '@conduit/db';
import { type CacheStore, cachedByTags } from '../cache';
import type { ArticlePage, ArticleSummary, PageRequest } from '../schemas/article';
import { getArticleWithRefs } from './articles';
import { feedArticlesWithRefs, listArticlesWithRefs, type PageWithRefs } from './articles-list';
import type { ArticleRefs } from './articles-view';
import {
  ALL_ARTICLES,
  ALL_CONTENT,
  articleTag,
  byAuthorTag,
  followsTag,
  shownTags,
  taggedTag,
  userTag,
} from './cache-tags';
import { preparedPer } from './prepared';
import { findProfile } from './profiles';

export interface Reader {
  /** The primary: every cached value is loaded from it. */
  db: Database;
  cache: CacheStore;
  viewerId: number | undefined;
}

export async function readArticle({ db, cache, viewerId }: Reader, slug: string) {
  const entry = await throughCache(
    cache,
    `article:${slug}`,
    () => getArticleWithRefs(db, slug, viewerId),
    ({ article, refs }) => ({ article: anonymous(article), refs }),
    ({ refs }) => [ALL_CONTENT, articleTag(refs.id), userTag(refs.authorId)],
  );
  if (!entry.hit || viewerId === undefined) return entry.value.article;
  const { article, refs } = entry.value;
  return withFlags(article, refs, await viewerFlags(db, viewerId, [refs]));
}

/** The filters a cached list may have: `favorited` lists change with every favorite, and are not. */
export interface CachedListFilters {
  tag?: string | undefined;
  author?: string | undefined;
}

/** A page of the newest articles, unfiltered or by tag and/or author. */
export async function readList(
  { db, cache, viewerId }: Reader,
  filters: CachedListFilters,
  page: PageRequest,
): Promise<ArticlePage> {
  const { tag, author } = filters;
  const { limit, offset, cursor } = page;
  const key = JSON.stringify([
    tag ?? null,
    // Usernames are unique whatever their case, and found so.
    author?.toLowerCase() ?? null,
    limit,
    offset ?? 0,
    cursor ? `${cursor.createdAt}|${cursor.id}` : null,
  ]);
  const entry = await throughCache(
    cache,
    `list:${key}`,
    () => listArticlesWithRefs(db, { tag, author }, page, viewerId),
    anonymousPage,
    ({ refs }) => {
      const held: string[] = [];
      if (tag !== undefined) held.push(taggedTag(tag));
      if (author !== undefined) {
        // The author is known by id only from an article shown: a page showing none (no such
        // user, or past the end) is not kept, since nothing would say when it changes.
        const authorId = refs[0]?.authorId;
        if (authorId === undefined) return undefined;
        held.push(byAuthorTag(authorId));
      }
      if (held.length === 0) held.push(ALL_ARTICLES);
      return [ALL_CONTENT, ...held, ...shownTags(refs)];
    },
  );
  if (!entry.hit || viewerId === undefined) return entry.value.page;
  return withPageFlags(db, viewerId, entry.value);
}

/**
 * The first page of the reader's feed, kept per reader with their flags: its key names them, and
 * every change of those flags invalidates it (their follows; a favorite of an article it shows).
 * It also changes with any article written or deleted by someone they follow: any creation or
 * deletion invalidates it.
 */
export async function readFeedFirstPage(
  { db, cache }: Reader,
  viewerId: number,
  limit: number,
): Promise<ArticlePage> {
  const { page } = await cachedByTags(
    cache,
    `feed:${viewerId}:${limit}`,
    () => feedArticlesWithRefs(db, viewerId, { limit }),
    ({ refs }) => [ALL_CONTENT, ALL_ARTICLES, followsTag(viewerId), ...shownTags(refs)],
  );
  return page;
}

export async function readProfile({ db, cache, viewerId }: Reader, username: string) {
  const entry = await throughCache(
    cache,
    // Usernames are unique whatever their case, and found so.
    `profile:${username.toLowerCase()}`,
    () => findProfile(db, username, viewerId),
    ({ id, profile }) => ({ id, profile: { ...profile, following: false } }),
    ({ id }) => [userTag(id)],
  );
  const { id, profile } = entry.value;
  if (!entry.hit || viewerId === undefined) return profile;
  const flags = await viewerFlags(db, viewerId, [], [id]);
  return { ...profile, following: flags.following.has(id) };
}

/**
 * A miss loads as the viewer sees it (one query, as without a cache) and stores the anonymous
 * copy; a hit is that copy (also when another request's load was shared), which the caller
 * completes with the viewer's flags.
 */
async function throughCache<T>(
  cache: CacheStore,
  key: string,
  loadForViewer: () => Promise<T>,
  anonymize: (value: T) => T,
  tagsOf: (value: T) => readonly string[] | undefined,
): Promise<{ value: T; hit: boolean }> {
  let loaded: T | undefined;
  const stored = await cachedByTags(
    cache,
    key,
    async () => {
      loaded = await loadForViewer();
      return anonymize(loaded);
    },
    tagsOf,
  );
  return loaded === undefined ? { value: stored, hit: true } : { value: loaded, hit: false };
}

function anonymousPage({ page, refs }: PageWithRefs): PageWithRefs {
  return { page: { ...page, articles: page.articles.map(anonymous) }, refs };
}

async function withPageFlags(
  db: Database,
  viewerId: number,
  { page, refs }: PageWithRefs,
): Promise<ArticlePage> {
  if (refs.length === 0) return page;
  const flags = await viewerFlags(db, viewerId, refs);
  return {
    ...page,
    articles: page.articles.map((article, i) => {
      const articleRefs = refs[i];
      return articleRefs ? withFlags(article, articleRefs, flags) : article;
    }),
  };
}

interface ViewerFlags {
  /** Ids of the articles the viewer favorited, among those asked about. */
  favorited: Set<number>;
  /** Ids of the users the viewer follows, among those asked about. */
  following: Set<number>;
}

/** One query, two primary-key probes per id: which of these the viewer favorited and follows. */
async function viewerFlags(
  db: Database,
  viewerId: number,
  refs: ArticleRefs[],
  userIds: number[] = [],
): Promise<ViewerFlags> {
  const articleIds = refs.map((ref) => ref.id);
  const authorIds = [...new Set([...refs.map((ref) => ref.authorId), ...userIds])];
  const flags: ViewerFlags = { favorited: new Set(), following: new Set() };
  if (articleIds.length === 0 && authorIds.length === 0) return flags;
  const prepared = preparedFlags(db);
  const rows = prepared
    ? await prepared.execute({ viewerId, articleIds, authorIds })
    : await flagsQuery(
        db,
        viewerId,
        inArray(favorites.articleId, articleIds),
        inArray(follows.followeeId, authorIds),
      );
  for (const row of rows) (row.favorite ? flags.favorited : flags.following).add(row.id);
  return flags;
}

/**
 * The viewer's favorites among some articles and follows among some authors, in one query.
 * Assembled by Drizzle and planned by PostgreSQL on every call, it was about half of a signed-in
 * cached read's server time; outside a transaction it is prepared once, the ids bound as arrays.
 */
function flagsQuery(
  db: Database,
  viewerId: number | Placeholder,
  favoriteIn: SQL,
  followeeIn: SQL,
) {
  return db
    .select({ favorite: sql<boolean>`true`, id: favorites.articleId })
    .from(favorites)
    .where(and(eq(favorites.userId, viewerId), favoriteIn))
    .unionAll(
      db
        .select({ favorite: sql<boolean>`false`, id: follows.followeeId })
        .from(follows)
        .where(and(eq(follows.followerId, viewerId), followeeIn)),
    );
}

// `= any(array)` reads nothing for an empty array, as `inArray` with an empty list does.
const preparedFlags = preparedPer((db) =>
  flagsQuery(
    db,
    sql.placeholder('viewerId'),
    sql`${favorites.articleId} = any(${sql.placeholder('articleIds')})`,
    sql`${follows.followeeId} = any(${sql.placeholder('authorIds')})`,
  ).prepare('viewer_flags'),
);

/** Flags as an anonymous reader sees them. */
function anonymous<T extends ArticleSummary>(article: T): T {
  return { ...article, favorited: false, author: { ...article.author, following: false } };
}

function withFlags<T extends ArticleSummary>(article: T, refs: ArticleRefs, flags: ViewerFlags): T {
  return {
    ...article,
    favorited: flags.favorited.has(refs.id),
    author: { ...article.author, following: flags.following.has(refs.authorId) },
  };
}
