// Field rules and shapes of articles, shared by the procedures, the REST adapter and the docs.
import { z } from 'zod';
import { type ArticleCursor, decodeCursor } from '../services/articles-cursor';
import { usernameSchema } from './account';
import { text } from './text';

export const TAGS_MAX_COUNT = 10;
export const TAG_MAX_LENGTH = 32;
export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;
/** Deeper pages are reached with `cursor`, whose cost does not grow with the depth. */
export const OFFSET_MAX = 10_000;

export const titleSchema = text()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' });

export const descriptionSchema = text()
  .trim()
  .max(1000, { error: 'must be at most 1000 characters' });

export const bodySchema = text()
  .max(100_000, { error: 'must be at most 100000 characters' })
  .refine((body) => body.trim().length > 0, { error: 'must not be empty' });

/** How tags are stored and compared: trimmed, lower case, one Unicode form (NFC). */
export function normalizeTag(tag: string): string {
  return tag.normalize('NFC').trim().toLowerCase();
}

/**
 * Tags as given, normalised (trimmed, lower-cased), empty ones dropped, duplicates removed (first
 * one's place kept); then at most TAGS_MAX_COUNT of at most TAG_MAX_LENGTH characters each.
 * Lower case because "React" and "react" are one topic to readers, and tag filters stay simple.
 */
export const tagListSchema = z
  .array(text(), { error: 'must be a list of strings' })
  .max(100, { error: `must have at most ${TAGS_MAX_COUNT} tags` })
  .transform((tags) => [...new Set(tags.map(normalizeTag).filter((tag) => tag.length > 0))])
  .check((ctx) => {
    const tags = ctx.value;
    if (tags.length > TAGS_MAX_COUNT) {
      ctx.issues.push({
        code: 'custom',
        input: tags,
        message: `must have at most ${TAGS_MAX_COUNT} tags`,
      });
    }
    const tooLong = tags.filter((tag) => [...tag].length > TAG_MAX_LENGTH);
    if (tooLong.length > 0) {
      ctx.issues.push({
        code: 'custom',
        input: tags,
        message: `each tag must be at most ${TAG_MAX_LENGTH} characters`,
      });
    }
  });

/**
 * A slug, as given: never percent-decoded here (a URL path is decoded once, by the HTTP layer, and
 * decoding again would turn `%2500` into a NUL and `%2531` into `1`). Any string is accepted: one
 * that is no article's slug, even one PostgreSQL could not store, is simply not found.
 */
export const slugSchema = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(1000, { error: 'is too long' });

export const createArticleInput = z.object({
  title: titleSchema,
  description: descriptionSchema,
  body: bodySchema,
  tagList: tagListSchema.default([]),
});

export const getArticleInput = z.object({ slug: slugSchema });

/** Fields left out stay as they are; `tagList` replaces the whole list. */
export const updateArticleInput = z.object({
  slug: slugSchema,
  title: titleSchema.optional(),
  description: descriptionSchema.optional(),
  body: bodySchema.optional(),
  tagList: tagListSchema.optional(),
});

/** `reason` is required when a moderator removes someone else's article (it goes to the audit log). */
export const deleteArticleInput = z.object({
  slug: slugSchema,
  reason: text()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(500, { error: 'must be at most 500 characters' })
    .optional(),
});

export const favoriteArticleInput = z.object({ slug: slugSchema });

/** An opaque position in a newest-first list, from a previous page's `nextCursor`. */
export const cursorSchema = z
  .string()
  .max(200, { error: 'is not a valid cursor' })
  .transform((value, ctx): ArticleCursor => {
    const cursor = decodeCursor(value);
    if (cursor) return cursor;
    ctx.issues.push({ code: 'custom', input: value, message: 'is not a valid cursor' });
    return z.NEVER;
  });

const pageFields = {
  limit: z
    .number()
    .int()
    .min(1, { error: 'must be at least 1' })
    .max(PAGE_SIZE_MAX, { error: `must be at most ${PAGE_SIZE_MAX}` })
    .default(PAGE_SIZE_DEFAULT),
  offset: z
    .number()
    .int()
    .min(0, { error: 'must not be negative' })
    .max(OFFSET_MAX, { error: `must be at most ${OFFSET_MAX}; use cursor to go deeper` })
    .optional(),
  cursor: cursorSchema.optional(),
};

function offsetOrCursor(
  page: { offset?: number | undefined; cursor?: unknown },
  ctx: z.RefinementCtx,
) {
  if (page.offset !== undefined && page.cursor !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['offset'], message: 'cannot be combined with cursor' });
  }
}

const tagFilterSchema = text()
  .max(200, { error: `must be at most ${TAG_MAX_LENGTH} characters` })
  .transform(normalizeTag)
  .pipe(
    z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(TAG_MAX_LENGTH, { error: `must be at most ${TAG_MAX_LENGTH} characters` }),
  );

/** Filters combine: articles carrying `tag`, written by `author`, favorited by `favorited`. */
export const listArticlesInput = z
  .object({
    tag: tagFilterSchema.optional(),
    author: usernameSchema.optional(),
    favorited: usernameSchema.optional(),
    ...pageFields,
  })
  .superRefine(offsetOrCursor)
  .prefault({});

export const feedInput = z.object(pageFields).superRefine(offsetOrCursor).prefault({});

// Outputs ----------------------------------------------------------------------------------------

export const authorSchema = z.object({
  username: z.string(),
  bio: z.string().nullable(),
  image: z.string().nullable(),
  following: z.boolean(),
});

/** An article in a list: everything but the body. */
export const articleSummarySchema = z.object({
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  tagList: z.array(z.string()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  favorited: z.boolean(),
  favoritesCount: z.number().int(),
  author: authorSchema,
});

/** One article: also its Markdown source and that Markdown rendered to sanitised HTML. */
export const articleViewSchema = articleSummarySchema.extend({
  body: z.string(),
  bodyHtml: z.string(),
});

/** What the article page shows: the body rendered to sanitised HTML, not its source. */
export const articleRenderedSchema = articleSummarySchema.extend({ bodyHtml: z.string() });

/** What the editor edits: the Markdown source, not its rendering. */
export const articleSourceSchema = articleSummarySchema.extend({ body: z.string() });

export const articlePageSchema = z.object({
  articles: z.array(articleSummarySchema),
  /** How many articles match the filters in all. */
  articlesCount: z.number().int(),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});

export type ArticleSummary = z.infer<typeof articleSummarySchema>;
export type ArticleView = z.infer<typeof articleViewSchema>;
export type ArticleRendered = z.infer<typeof articleRenderedSchema>;
export type ArticleSource = z.infer<typeof articleSourceSchema>;
export type ArticlePage = z.infer<typeof articlePageSchema>;
export type ListArticlesFilters = Pick<
  z.output<typeof listArticlesInput>,
  'tag' | 'author' | 'favorited'
>;
export type PageRequest = Pick<z.output<typeof feedInput>, 'limit' | 'offset' | 'cursor'>;
