// Articles, their tags and who favorited them.
import { sql } from 'drizzle-orm';
import {
  check,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { users } from './users';

/** PostgreSQL's full-text document type; drizzle has none of its own. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const articles = pgTable(
  'articles',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    body: text('body').notNull(),
    authorId: integer('author_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Title (weight A), description and tag names (B) and body (C) as one document, for search.
     * Kept by triggers (migration 0005), never by code: it spans article_tags, which a generated
     * column cannot read.
     */
    searchVector: tsvector('search_vector').notNull().default(sql`''::tsvector`),
  },
  (t) => [
    unique('articles_slug_key').on(t.slug),
    index('articles_search_idx').using('gin', t.searchVector),
    // Newest first, with id as the tie-breaker so keyset (cursor) paging is stable.
    index('articles_created_at_id_idx').on(t.createdAt.desc(), t.id.desc()),
    // By author, and the feed (authors the viewer follows), newest first.
    index('articles_author_created_at_idx').on(t.authorId, t.createdAt.desc(), t.id.desc()),
    check('articles_slug_format', sql`char_length(${t.slug}) between 1 and 255`),
    check('articles_title_length', sql`char_length(${t.title}) between 1 and 200`),
    check('articles_description_length', sql`char_length(${t.description}) <= 1000`),
    check('articles_body_length', sql`char_length(${t.body}) between 1 and 100000`),
  ],
);

export const tags = pgTable(
  'tags',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    /** Articles carrying the tag; kept by a trigger on `article_tags` (migration 0002), never by code. */
    articlesCount: integer('articles_count').notNull().default(0),
  },
  (t) => [
    unique('tags_name_key').on(t.name),
    // The tag list: most used first, ties by name.
    index('tags_popular_idx').on(t.articlesCount.desc(), t.name),
    check('tags_name_length', sql`char_length(${t.name}) between 1 and 64`),
  ],
);

export const articleTags = pgTable(
  'article_tags',
  {
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    tagId: integer('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.tagId] }),
    // Articles by tag, and counting a tag's uses.
    index('article_tags_tag_id_idx').on(t.tagId, t.articleId),
  ],
);

export const favorites = pgTable(
  'favorites',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The key serves "articles X favorited" and the viewer's `favorited` flag;
    // the index serves favoritesCount.
    primaryKey({ columns: [t.userId, t.articleId] }),
    index('favorites_article_id_idx').on(t.articleId, t.userId),
  ],
);

/**
 * Every slug an article has had, its current one included (migration 0005 keeps it): a slug
 * belongs to one article for as long as that article lives, so an old link never leads to
 * another article. Deleting the article frees its slugs (decision 031).
 */
export const articleSlugs = pgTable(
  'article_slugs',
  {
    slug: text('slug').primaryKey(),
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('article_slugs_article_id_idx').on(t.articleId)],
);
