// Comments on articles.
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { articles } from './articles';
import { users } from './users';

export const comments = pgTable(
  'comments',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    authorId: integer('author_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // An article's comments, oldest first.
    index('comments_article_created_at_idx').on(t.articleId, t.createdAt, t.id),
    index('comments_author_id_idx').on(t.authorId),
    check('comments_body_length', sql`char_length(${t.body}) between 1 and 10000`),
  ],
);
