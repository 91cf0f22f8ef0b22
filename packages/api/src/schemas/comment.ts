// Field rules and shapes of comments, shared by the procedures, the REST adapter and the docs.
import { z } from 'zod';
import { authorSchema, cursorSchema, slugSchema } from './article';
import { text } from './text';

export const COMMENT_BODY_MAX_LENGTH = 10_000;
/** One page holds the whole thread of nearly every article; longer threads page with `cursor`. */
export const COMMENT_PAGE_SIZE_DEFAULT = 100;
export const COMMENT_PAGE_SIZE_MAX = 500;
export const MODERATION_REASON_MAX_LENGTH = 500;

const ID_MAX = 2_147_483_647; // the column is an integer: a larger id would be a database error

const codePoints = (value: string) => [...value].length;

/** Trimmed; counted in Unicode code points, as the database's check counts them. */
export const commentBodySchema = text({ error: 'must be a string' })
  .max(COMMENT_BODY_MAX_LENGTH * 4, {
    error: `must be at most ${COMMENT_BODY_MAX_LENGTH} characters`,
  })
  .trim()
  .min(1, { error: 'must not be empty' })
  .refine((body) => codePoints(body) <= COMMENT_BODY_MAX_LENGTH, {
    error: `must be at most ${COMMENT_BODY_MAX_LENGTH} characters`,
  });

export const commentIdSchema = z
  .number({ error: 'must be a comment id' })
  .int({ error: 'must be a comment id' })
  .min(1, { error: 'must be a comment id' })
  .max(ID_MAX, { error: 'must be a comment id' });

export const listCommentsInput = z.object({
  slug: slugSchema,
  limit: z
    .number()
    .int()
    .min(1, { error: 'must be at least 1' })
    .max(COMMENT_PAGE_SIZE_MAX, { error: `must be at most ${COMMENT_PAGE_SIZE_MAX}` })
    .default(COMMENT_PAGE_SIZE_DEFAULT),
  /** The `nextCursor` of the previous page. */
  cursor: cursorSchema.optional(),
});

export const createCommentInput = z.object({ slug: slugSchema, body: commentBodySchema });

/**
 * `reason` is required when a moderator or admin removes someone else's comment (it goes to the
 * audit log); authors removing their own need none.
 */
export const deleteCommentInput = z.object({
  slug: slugSchema,
  id: commentIdSchema,
  reason: text()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(MODERATION_REASON_MAX_LENGTH, {
      error: `must be at most ${MODERATION_REASON_MAX_LENGTH} characters`,
    })
    .optional(),
});

/**
 * `lastEventId` is the id of the last event the client received: set by the client link (and
 * the browser's Last-Event-ID header) when it reconnects, so the comments it missed come first.
 * Anything that is not a comment id is ignored rather than refused: the header is not ours to
 * vouch for.
 */
const lastEventIdSchema = z
  .string()
  .max(64)
  .nullish()
  .transform((value) => {
    // 0 is a position too: a stream that started with no comment anywhere.
    if (!value || !/^(0|[1-9]\d{0,9})$/.test(value)) return undefined;
    const id = Number(value);
    return id <= ID_MAX ? id : undefined;
  });

export const commentsLiveInput = z.object({ slug: slugSchema, lastEventId: lastEventIdSchema });

/**
 * Most articles one live stream follows: a browser's visible article pages, with room to spare.
 * Together with LIVE_SLUG_MAX_LENGTH it keeps the subscription's address (its input travels in
 * the query string) well under the 16 KB a server accepts in a request head.
 */
export const LIVE_ARTICLES_MAX = 32;
/** Longer than any slug a title makes; a longer one names no article. */
export const LIVE_SLUG_MAX_LENGTH = 256;

export const commentsLiveSetInput = z
  .object({
    slugs: z
      .array(slugSchema.max(LIVE_SLUG_MAX_LENGTH, { error: 'is too long' }), {
        error: 'must be a list of article slugs',
      })
      .min(1, { error: 'must name at least one article' })
      .max(LIVE_ARTICLES_MAX, { error: `must name at most ${LIVE_ARTICLES_MAX} articles` }),
    lastEventId: lastEventIdSchema,
    /**
     * Where the page of each slug stands, by index: the newest comment id its list holds (0 for
     * none), or null. The stream first sends that article's comments written after it, when that
     * is earlier than `lastEventId`: a stream may follow an article the client's earlier streams
     * did not, and their position says nothing of it.
     */
    since: z
      .array(
        z
          .number({ error: 'must be comment ids or nulls' })
          .int({ error: 'must be comment ids or nulls' })
          .min(0, { error: 'must be comment ids or nulls' })
          .max(ID_MAX, { error: 'must be comment ids or nulls' })
          .nullable(),
        { error: 'must be a list of comment ids or nulls' },
      )
      .max(LIVE_ARTICLES_MAX, { error: `must have at most ${LIVE_ARTICLES_MAX} entries` })
      .optional(),
  })
  .refine((input) => input.since === undefined || input.since.length === input.slugs.length, {
    path: ['since'],
    error: 'must have one entry per slug',
  });

// Outputs ----------------------------------------------------------------------------------------

export const commentViewSchema = z.object({
  id: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  body: z.string(),
  author: authorSchema,
});

export const commentPageSchema = z.object({
  /** Oldest first. */
  comments: z.array(commentViewSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});

export type CommentView = z.infer<typeof commentViewSchema>;
export type CommentPage = z.infer<typeof commentPageSchema>;
