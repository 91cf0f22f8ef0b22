// Which way to find a feed page (decision 036): the newest articles of each followed author,
// merged, or the site's newest-first index walked until enough of its articles are by followed
// authors, each checked against the reader's follows held in a hash table (read once, whole) or
// probed in the follows key (one descent per article walked). Per author reads about follows ×
// (page + 1) index entries; a walk reaches about (page + 1) × site ÷ followed articles. Which is
// cheapest depends on how many authors the reader follows and how much of the site they write,
// both known from rows the triggers keep (no article is counted).

export const FEED_PLANS = ['per-author', 'site-index-set', 'site-index-probe'] as const;
export type FeedPlan = (typeof FEED_PLANS)[number];

export interface FeedShape {
  /** Authors the reader follows. */
  follows: number;
  /** Their articles, together (users.articles_count). */
  followedArticles: number;
  /** Every article on the site (counters). */
  siteArticles: number;
  /** Rows the page asks for (one more is read to tell whether a next page exists). */
  limit: number;
  /** Rows skipped before the page; only a walk can skip them (per author, each author would). */
  offset?: number;
}

/**
 * What each step costs, in entries of the per-author plan (an index-only scan of consecutive
 * entries, about 0.25 µs). Measured with `pgbench -M prepared` on PostgreSQL 15 over the bench's
 * feed data (decision 036): a step of a walk checked against the hash table about 0.2 µs, each
 * follow put into that table 0.65 µs, a step checked by a probe of the follows key 1.9 µs.
 */
export const STEP_COSTS = { walkedEntry: 1, hashedFollow: 3, probedEntry: 8 } as const;

/**
 * How much further a walk goes than the followed authors' share of the whole site predicts. The
 * authors most followed are mostly long-standing ones, and a growing site's newest articles are
 * shared with authors who joined later: in the bench's feed data (decision 036) walks went 2.5 to
 * 3.5 times as far as that share predicted, for readers of 10 to 1,000 authors.
 */
export const WALK_RECENCY = 3;

/**
 * Each plan's expected cost, in entries of the per-author plan. Per author: one descent per
 * followed author, then at most page + 1 entries of each, never more than they wrote. A walk: as
 * far down the newest-first index as it takes for page + 1 of the entries to be by followed
 * authors, their share of the site's articles lessened by WALK_RECENCY, and never more than the
 * whole index; the set adds reading every follow, the probes make each step dearer.
 */
export function feedPlanCosts(shape: FeedShape): Record<FeedPlan, number> {
  const { follows, followedArticles, siteArticles, limit, offset = 0 } = shape;
  const rows = offset + limit + 1;
  const walked =
    followedArticles === 0
      ? siteArticles
      : Math.min(siteArticles, (WALK_RECENCY * rows * siteArticles) / followedArticles);
  return {
    'per-author': offset
      ? Number.POSITIVE_INFINITY
      : follows + Math.min(followedArticles, follows * rows),
    'site-index-set': follows * STEP_COSTS.hashedFollow + walked * STEP_COSTS.walkedEntry,
    'site-index-probe': walked * STEP_COSTS.probedEntry,
  };
}

/** The cheapest plan; on a tie, the first of per author, set, probes. */
export function chooseFeedPlan(shape: FeedShape): FeedPlan {
  const costs = feedPlanCosts(shape);
  return FEED_PLANS.reduce((best, plan) => (costs[plan] < costs[best] ? plan : best));
}
