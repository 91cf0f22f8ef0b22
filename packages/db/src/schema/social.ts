// Who follows whom.
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, timestamp } from 'drizzle-orm/pg-core';
import { users } from './users';

export const follows = pgTable(
  'follows',
  {
    followerId: integer('follower_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    followeeId: integer('followee_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The key serves "whom does X follow" (the feed, `following` flags).
    primaryKey({ columns: [t.followerId, t.followeeId] }),
    // ... and this index "who follows X" (follower counts, cascades).
    index('follows_followee_id_idx').on(t.followeeId, t.followerId),
    check('follows_not_self', sql`${t.followerId} <> ${t.followeeId}`),
  ],
);

/**
 * Each reader's feed in two numbers: how many authors they follow, and how many articles those
 * authors have between them (the feed's total). Kept by triggers on `follows` and `articles` in
 * the transaction of the write (migration 0006, decision 036), so the feed's plan and total cost
 * one row whatever the follows. A reader who never followed anyone has no row: both are 0.
 */
export const feedTotals = pgTable('feed_totals', {
  readerId: integer('reader_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  follows: integer('follows').notNull().default(0),
  articles: integer('articles').notNull().default(0),
});
