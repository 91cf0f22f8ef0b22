// Keeping what the page shows in step after a favorite or follow: the answers cached for
// `article.*` and `profile.*` are patched at once (optimistically, undone on error) and then
// refetched from the server.
import type { QueryClient, QueryKey } from '@tanstack/react-query';

type Snapshot = Array<[QueryKey, unknown]>;

interface ArticleLike {
  slug: string;
  favorited: boolean;
  favoritesCount: number;
  author: { username: string; following: boolean };
}

type Patch<T> = (value: T) => T;

/** Applies `patch` to every article object inside an answer (`{article}` or `{articles: [...]}`). */
function patchArticles(data: unknown, patch: Patch<ArticleLike>): unknown {
  if (!data || typeof data !== 'object') return data;
  const record = data as { article?: ArticleLike; articles?: ArticleLike[] };
  if (record.article) return { ...record, article: patch(record.article) };
  if (Array.isArray(record.articles)) return { ...record, articles: record.articles.map(patch) };
  return data;
}

/** Patches every cached query under `prefix`, returning what they held so it can be put back. */
export function patchQueries(
  queryClient: QueryClient,
  prefix: QueryKey,
  patch: (data: unknown) => unknown,
): Snapshot {
  const snapshot = queryClient.getQueriesData({ queryKey: prefix });
  for (const [key, data] of snapshot) {
    if (data !== undefined) queryClient.setQueryData(key, patch(data));
  }
  return snapshot;
}

export function restore(queryClient: QueryClient, snapshot: Snapshot): void {
  for (const [key, data] of snapshot) queryClient.setQueryData(key, data);
}

export function favoritePatch(slug: string, favorited: boolean) {
  return (data: unknown) =>
    patchArticles(data, (article) =>
      article.slug !== slug || article.favorited === favorited
        ? article
        : {
            ...article,
            favorited,
            favoritesCount: Math.max(0, article.favoritesCount + (favorited ? 1 : -1)),
          },
    );
}

export function followPatch(username: string, following: boolean) {
  return (data: unknown) => {
    const record = data as { profile?: { username: string; following: boolean } } | undefined;
    if (record?.profile?.username === username) {
      return { ...record, profile: { ...record.profile, following } };
    }
    return patchArticles(data, (article) =>
      article.author.username === username
        ? { ...article, author: { ...article.author, following } }
        : article,
    );
  };
}
