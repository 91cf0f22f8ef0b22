// The hot reads served from the cache (see cache.ts): an article by slug, a profile, and the first
// page of the global list. What is kept is what an anonymous reader sees. On a hit, a signed-in
// viewer's own flags (`favorited`, `following`) are read for that viewer alone, in one small
// indexed query, and laid over the copy: no viewer is ever served another viewer's flags.
//
// What invalidates what (the procedures bump after their write committed):
// - ARTICLES (article views, the first page): an article created, edited or removed, a favorite
//   added or taken back (the count), an author's profile changed (name, bio and image are shown
//   with every article).
// - PROFILES: a profile changed.
// Following someone changes only that viewer's flags, which are never cached: nothing to bump.
import { and, type Database, eq, favorites, follows, inArray, sql } from '@conduit/db';
import { type CacheStore, cached } from '../cache';
import type { ArticlePage, ArticleSummary } from '../schemas/article';
import { getArticleWithRefs } from './articles';
import { listArticlesWithRefs } from './articles-list';
import type { ArticleRefs } from './articles-view';
import { findProfile } from './profiles';

export const ARTICLES = 'articles';
export const PROFILES = 'profiles';

export interface Reader {
  db: Database;
  cache: CacheStore;
  viewerId: number | undefined;
}

export async function readArticle({ db, cache, viewerId }: Reader, slug: string) {
  const entry = await throughCache(
    cache,
    `slug:${slug}`,
    () => getArticleWithRefs(db, slug, viewerId),
    ({ article, refs }) => ({ article: anonymous(article), refs }),
  );
  if (!entry.hit || viewerId === undefined) return entry.value.article;
  const { article, refs } = entry.value;
  return withFlags(article, refs, await viewerFlags(db, viewerId, [refs]));
}

/** The newest articles, unfiltered: everybody's home page. */
export async function readFirstPage(
  { db, cache, viewerId }: Reader,
  limit: number,
): Promise<ArticlePage> {
  const entry = await throughCache(
    cache,
    `first:${limit}`,
    () => listArticlesWithRefs(db, {}, { limit }, viewerId),
    ({ page, refs }) => ({ page: { ...page, articles: page.articles.map(anonymous) }, refs }),
  );
  const { page, refs } = entry.value;
  if (!entry.hit || viewerId === undefined) return page;
  const flags = await viewerFlags(db, viewerId, refs);
  return {
    ...page,
    articles: page.articles.map((article, i) => {
      const articleRefs = refs[i];
      return articleRefs ? withFlags(article, articleRefs, flags) : article;
    }),
  };
}

export async function readProfile({ db, cache, viewerId }: Reader, username: string) {
  const entry = await throughCache(
    cache,
    // Usernames are unique whatever their case, and found so.
    `name:${username.toLowerCase()}`,
    () => findProfile(db, username, viewerId),
    ({ id, profile }) => ({ id, profile: { ...profile, following: false } }),
    PROFILES,
  );
  const { id, profile } = entry.value;
  if (!entry.hit || viewerId === undefined) return profile;
  const flags = await viewerFlags(db, viewerId, [], [id]);
  return { ...profile, following: flags.following.has(id) };
}

/**
 * A miss loads as the viewer sees it (one query, as without a cache) and stores the anonymous
 * copy; a hit is that copy, which the caller completes with the viewer's flags.
 */
async function throughCache<T>(
  cache: CacheStore,
  key: string,
  loadForViewer: () => Promise<T>,
  anonymize: (value: T) => T,
  namespace = ARTICLES,
): Promise<{ value: T; hit: boolean }> {
  let loaded: T | undefined;
  const stored = await cached(cache, namespace, key, async () => {
    loaded = await loadForViewer();
    return anonymize(loaded);
  });
  return loaded === undefined ? { value: stored, hit: true } : { value: loaded, hit: false };
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
  // `inArray` with an empty list is `false` in Drizzle: that half then reads nothing.
  const rows = await db
    .select({ favorite: sql<boolean>`true`, id: favorites.articleId })
    .from(favorites)
    .where(and(eq(favorites.userId, viewerId), inArray(favorites.articleId, articleIds)))
    .unionAll(
      db
        .select({ favorite: sql<boolean>`false`, id: follows.followeeId })
        .from(follows)
        .where(and(eq(follows.followerId, viewerId), inArray(follows.followeeId, authorIds))),
    );
  for (const row of rows) (row.favorite ? flags.favorited : flags.following).add(row.id);
  return flags;
}

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
