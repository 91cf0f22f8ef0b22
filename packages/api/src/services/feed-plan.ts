// Which way to find a feed page (decision 036): the newest articles of each followed author,
// merged, or the site's newest-first index walked until enough of them are by followed authors.
// The first reads about follows × (page + 1) index entries, the second about (page + 1) × site /
// followed articles: which is smaller depends on how many authors the reader follows and how much
// of the site they write, both known from rows the triggers keep (no article is counted).

export type FeedPlan = 'per-author' | 'site-index';

export interface FeedShape {
  /** Authors the reader follows. */
  follows: number;
  /** Their articles, together (users.articles_count). */
  followedArticles: number;
  /** Every article on the site (counters). */
  siteArticles: number;
  /** Rows the page asks for (one more is read to tell whether a next page exists). */
  limit: number;
}

/**
 * Index entries each plan is expected to read. Per author: one descent per followed author, then
 * at most page + 1 entries of each, and never more than they wrote. Site index: as far down the
 * newest-first index as it takes for page + 1 of the entries to be by followed authors, if their
 * articles are spread over time as the site's are (each entry is checked against the followed set
 * in memory), and never more than the whole index.
 */
export function feedPlanCosts({ follows, followedArticles, siteArticles, limit }: FeedShape) {
  const rows = limit + 1;
  return {
    perAuthor: follows + Math.min(followedArticles, follows * rows),
    siteIndex:
      followedArticles === 0
        ? siteArticles
        : Math.min(siteArticles, (rows * siteArticles) / followedArticles),
  };
}

export function chooseFeedPlan(shape: FeedShape): FeedPlan {
  const { perAuthor, siteIndex } = feedPlanCosts(shape);
  return siteIndex < perAuthor ? 'site-index' : 'per-author';
}
