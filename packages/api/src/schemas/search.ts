// Field rules and shapes of article search (decision 030), shared by the procedure, the REST
// adapter and the docs.
import { z } from 'zod';
import { articleSummarySchema } from './article';
import { text } from './text';

/** Longer queries add nothing a reader types, and every word costs an index probe. */
export const SEARCH_QUERY_MAX_LENGTH = 200;
export const SEARCH_PAGE_SIZE_DEFAULT = 20;
export const SEARCH_PAGE_SIZE_MAX = 50;
/**
 * Matches ranked per query: the rank is computed for at most this many, so a word on half the site
 * costs what a rare one does. Pages reach no deeper; a reader narrows the query instead.
 */
export const SEARCH_MATCHES_RANKED = 1000;

/**
 * What the reader typed, in web-search syntax (`"a phrase"`, `or`, `-word`): any text is a valid
 * query, none is a syntax error. Empty or blank text, or text with no letter or digit (nothing a
 * search could match), is refused naming `q`; a query of only stop words ("the") finds nothing.
 */
export const searchQuerySchema = text()
  .trim()
  .min(1, { error: 'must not be empty', abort: true })
  .max(SEARCH_QUERY_MAX_LENGTH, {
    error: `must be at most ${SEARCH_QUERY_MAX_LENGTH} characters`,
    abort: true,
  })
  .refine((q) => /[\p{L}\p{N}]/u.test(q), { error: 'must contain a letter or a digit' });

export const searchArticlesInput = z.object({
  q: searchQuerySchema,
  limit: z
    .number()
    .int()
    .min(1, { error: 'must be at least 1' })
    .max(SEARCH_PAGE_SIZE_MAX, { error: `must be at most ${SEARCH_PAGE_SIZE_MAX}` })
    .default(SEARCH_PAGE_SIZE_DEFAULT),
  offset: z
    .number()
    .int()
    .min(0, { error: 'must not be negative' })
    .max(SEARCH_MATCHES_RANKED, {
      error: `must be at most ${SEARCH_MATCHES_RANKED}; narrow the query to go further`,
    })
    .default(0),
});

/**
 * A piece of a snippet: plain text, marked `highlighted` where it matched. Text, never HTML: a
 * client shows it as text (the web app wraps highlighted pieces in <mark>).
 */
export const snippetPartSchema = z.object({ text: z.string(), highlighted: z.boolean() });

export const searchHitSchema = articleSummarySchema.extend({
  /** Passages of the body around the words that matched (its start when only the title did). */
  snippet: z.array(snippetPartSchema),
});

export const searchPageSchema = z.object({
  /** Best match first: title over description and tags, over body. */
  articles: z.array(searchHitSchema),
  /** How many articles match, counted up to SEARCH_MATCHES_RANKED. */
  articlesCount: z.number().int(),
  /** More articles match than were counted and ranked: the reader may narrow the query. */
  moreMatches: z.boolean(),
});

export type SearchArticlesInput = z.output<typeof searchArticlesInput>;
export type SnippetPart = z.infer<typeof snippetPartSchema>;
export type SearchHit = z.infer<typeof searchHitSchema>;
export type SearchPage = z.infer<typeof searchPageSchema>;
