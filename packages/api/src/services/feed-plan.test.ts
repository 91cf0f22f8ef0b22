// The feed's plan by the shape of the reader's follows: its cost stays within a few thousand
// index entries' worth from 10 to 10,000 follows, where one plan alone grows to hundreds of
// thousands. Costs are in entries of the per-author plan (STEP_COSTS).
import { describe, expect, it } from 'vitest';
import {
  chooseFeedPlan,
  type FeedShape,
  feedPlanCosts,
  STEP_COSTS,
  WALK_RECENCY,
} from './feed-plan';

const site = 1_000_000;
const { hashedFollow, probedEntry } = STEP_COSTS;

describe('the feed plan', () => {
  it('reads each followed author for a reader of a few, however large the site', () => {
    const shape = { follows: 10, followedArticles: 500, siteArticles: site, limit: 20 };
    expect(chooseFeedPlan(shape)).toBe('per-author');
    expect(feedPlanCosts(shape)['per-author']).toBe(10 + 10 * 21);
  });

  it('walks the site index, probing each article, for a reader of thousands of active authors', () => {
    const shape = { follows: 10_000, followedArticles: 500_000, siteArticles: site, limit: 20 };
    expect(chooseFeedPlan(shape)).toBe('site-index-probe');
    // Half the site is theirs: a few steps of the walk per row of the page, where reading their
    // 10,000 follows into a hash table first would cost more than the whole walk.
    const walked = 42 * WALK_RECENCY;
    expect(feedPlanCosts(shape)).toMatchObject({
      'site-index-probe': walked * probedEntry,
      'site-index-set': 10_000 * hashedFollow + walked,
    });
  });

  it('walks with the follows in a hash table where the walk is long and the follows few', () => {
    // Three hundred authors who wrote 6 % of the site: a walk of 21 × 1,000,000 ÷ 60,000 × 3.
    const shape = { follows: 300, followedArticles: 60_000, siteArticles: site, limit: 20 };
    expect(chooseFeedPlan(shape)).toBe('site-index-set');
    const walked = 350 * WALK_RECENCY;
    expect(feedPlanCosts(shape)).toEqual({
      'per-author': 300 + 300 * 21,
      'site-index-set': 300 * hashedFollow + walked,
      'site-index-probe': walked * probedEntry,
    });
  });

  it('reads each author when thousands are followed who have written almost nothing', () => {
    const shape = { follows: 5_000, followedArticles: 50, siteArticles: site, limit: 20 };
    expect(chooseFeedPlan(shape)).toBe('per-author');
    // One descent per author and their fifty articles, not 420,000 entries of the site's index.
    expect(feedPlanCosts(shape)['per-author']).toBe(5_050);
  });

  it('walks for a page after an offset, which per author every author would skip', () => {
    const shape = { follows: 10, followedArticles: 500, siteArticles: site, limit: 20 };
    expect(chooseFeedPlan({ ...shape, offset: 20 })).not.toBe('per-author');
    expect(feedPlanCosts({ ...shape, offset: 20 })['site-index-set']).toBe(
      10 * hashedFollow + WALK_RECENCY * 41 * 2_000,
    );
  });

  it('never expects to walk more than the whole index, nor walks it for nothing', () => {
    const costs = feedPlanCosts({ follows: 3, followedArticles: 1, siteArticles: 10, limit: 20 });
    expect(costs['site-index-probe']).toBe(10 * probedEntry);
    expect(chooseFeedPlan({ follows: 5, followedArticles: 0, siteArticles: site, limit: 20 })).toBe(
      'per-author',
    );
  });

  it('keeps the chosen plan within a few thousand entries from 10 to 10,000 follows', () => {
    // Each followed author wrote 50 of the site's million articles.
    const shapes: FeedShape[] = [10, 100, 300, 1_000, 10_000].map((follows) => ({
      follows,
      followedArticles: follows * 50,
      siteArticles: site,
      limit: 20,
    }));
    const chosen = shapes.map((shape) => {
      const plan = chooseFeedPlan(shape);
      return [plan, Math.round(feedPlanCosts(shape)[plan])];
    });
    // A walk reaches 21 × 1,000,000 ÷ (50 × follows) × WALK_RECENCY entries.
    const walked = (follows: number) => (21 * 20_000 * WALK_RECENCY) / follows;
    expect(chosen).toEqual([
      ['per-author', 220],
      ['per-author', 2_200],
      ['site-index-set', 300 * hashedFollow + walked(300)],
      ['site-index-set', 1_000 * hashedFollow + walked(1_000)],
      ['site-index-probe', walked(10_000) * probedEntry],
    ]);
    // Worst where two plans cross (about 260 and 1,700 follows here): under 6,000 entries' worth.
    for (const follows of [258, 1_715]) {
      const shape = { follows, followedArticles: follows * 50, siteArticles: site, limit: 20 };
      expect(feedPlanCosts(shape)[chooseFeedPlan(shape)]).toBeLessThan(6_000);
    }
    // Per author alone, 10,000 follows read 210,000 entries.
    expect(feedPlanCosts(shapes[4] as FeedShape)['per-author']).toBe(10_000 + 10_000 * 21);
  });
});
