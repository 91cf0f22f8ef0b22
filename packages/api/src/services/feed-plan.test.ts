// The feed's plan by the shape of the reader's follows: its cost stays within a few thousand
// index entries from 10 to 10,000 follows, where one plan alone grows to hundreds of thousands.
import { describe, expect, it } from 'vitest';
import { chooseFeedPlan, feedPlanCosts } from './feed-plan';

const site = 1_000_000;

describe('the feed plan', () => {
  it('reads each followed author for a reader of a few, however large the site', () => {
    const shape = { follows: 10, followedArticles: 500, siteArticles: site, limit: 20 };
    expect(chooseFeedPlan(shape)).toBe('per-author');
    expect(feedPlanCosts(shape).perAuthor).toBe(10 + 10 * 21);
  });

  it('walks the site index for a reader of thousands of active authors', () => {
    const shape = { follows: 10_000, followedArticles: 500_000, siteArticles: site, limit: 20 };
    expect(chooseFeedPlan(shape)).toBe('site-index');
    // Half the site is theirs: about two index entries per row of the page.
    expect(feedPlanCosts(shape).siteIndex).toBe(42);
  });

  it('reads each author when thousands are followed who have written almost nothing', () => {
    const shape = { follows: 5_000, followedArticles: 50, siteArticles: site, limit: 20 };
    expect(chooseFeedPlan(shape)).toBe('per-author');
    // One descent per author and their fifty articles, not 420,000 entries of the site's index.
    expect(feedPlanCosts(shape)).toEqual({ perAuthor: 5_050, siteIndex: 420_000 });
  });

  it('never expects to read more than the whole index, nor walks it for nothing', () => {
    expect(
      feedPlanCosts({ follows: 3, followedArticles: 1, siteArticles: 10, limit: 20 }).siteIndex,
    ).toBe(10);
    expect(chooseFeedPlan({ follows: 5, followedArticles: 0, siteArticles: site, limit: 20 })).toBe(
      'per-author',
    );
  });

  it('keeps the chosen plan within a few thousand entries from 10 to 10,000 follows', () => {
    // Each followed author wrote 50 of the site's million articles.
    const shapes = [10, 100, 141, 1_000, 10_000].map((follows) => ({
      follows,
      followedArticles: follows * 50,
      siteArticles: site,
      limit: 20,
    }));
    const chosen = shapes.map((shape) => {
      const { perAuthor, siteIndex } = feedPlanCosts(shape);
      return Math.min(perAuthor, siteIndex);
    });
    // Worst where the two cross (about 141 follows here): under 3,000 entries.
    expect(chosen.map(Math.round)).toEqual([220, 2_200, 2_979, 420, 42]);
    // Per author alone, 10,000 follows read 210,000 entries.
    const most = { follows: 10_000, followedArticles: 500_000, siteArticles: site, limit: 20 };
    expect(feedPlanCosts(most).perAuthor).toBe(10_000 + 10_000 * 21);
  });
});
