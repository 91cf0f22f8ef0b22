// Comments on articles: each selected with its author's profile (and whether the viewer follows
// them) in the same query, never one query per comment.
import {
  and,
  articles,
  asc,
  comments,
  type Database,
  eq,
  foreignKeyViolation,
  gt,
  inArray,
  isStorableText,
  or,
  type Placeholder,
  type SQL,
  slugIs,
  sql,
  users,
} from '@conduit/db';
import { TRPCError } from '@trpc/server';
import type { RequestMeta } from '../context';
import { commentNotice, publishCommentDeleted } from '../live/comment-events';
import type { CommentPage, CommentView } from '../schemas/comment';
import { type ArticleCursor, encodeCursor } from './articles-cursor';
import { audit } from './audit';
import { preparedByShape, preparedPer } from './prepared';
import { profileColumns } from './profiles';

export interface CommentedArticle {
  id: number;
  slug: string;
}

export interface CommentRef {
  id: number;
  authorId: number;
  authorUsername: string;
}

const articleNotFound = (slug: string) =>
  new TRPCError({ code: 'NOT_FOUND', message: `No article with slug ${slug}` });

const articleBySlug = (db: Database, slug: string | Placeholder) =>
  db.select({ id: articles.id, slug: articles.slug }).from(articles).where(slugIs(slug));

/** findArticle's query, built once per database (every comment call starts with it). */
const preparedArticle = preparedPer((db) =>
  articleBySlug(db, sql.placeholder('slug')).prepare('comment_article'),
);

export async function findArticle(db: Database, slug: string): Promise<CommentedArticle> {
  // A slug PostgreSQL could not even compare (a NUL, a lone surrogate) names no article.
  if (!isStorableText(slug)) throw articleNotFound(slug);
  const prepared = preparedArticle(db);
  const [article] = prepared ? await prepared.execute({ slug }) : await articleBySlug(db, slug);
  if (!article) throw articleNotFound(slug);
  return article;
}

/** The columns of a comment as readers see it; select from `comments` joined to its author. */
function commentColumns(viewerId: number | Placeholder | undefined) {
  return {
    id: comments.id,
    createdAt: comments.createdAt,
    updatedAt: comments.updatedAt,
    body: comments.body,
    author: profileColumns(viewerId),
  };
}

type CommentRow = Omit<CommentView, 'createdAt' | 'updatedAt'> & {
  createdAt: Date;
  updatedAt: Date;
};

function toView(row: CommentRow): CommentView {
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

/** A row of selectComments as readers see it (the cursor's time is for paging only). */
const viewOfRow = ({ cursorTime: _, ...row }: CommentRow & { cursorTime: string }) => toView(row);

/** Oldest first, with the id breaking ties: the order of comments_article_created_at_idx. */
const oldestFirst = [asc(comments.createdAt), asc(comments.id)];

/** The database's own microsecond-exact time of the row, for the next cursor. */
const cursorTime = sql<string>`to_char(${comments.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function selectComments(
  db: Database,
  where: SQL | undefined,
  viewerId: number | Placeholder | undefined,
) {
  return db
    .select({ ...commentColumns(viewerId), cursorTime })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(where);
}

const afterCursor = (cursor: { createdAt: string | Placeholder; id: number | Placeholder }) =>
  sql`(${comments.createdAt}, ${comments.id}) > (${cursor.createdAt}::timestamptz, ${cursor.id}::integer)`;

const pageQuery = (
  db: Database,
  articleId: number | Placeholder,
  cursor: Parameters<typeof afterCursor>[0] | undefined,
  viewerId: number | Placeholder | undefined,
) =>
  selectComments(
    db,
    and(eq(comments.articleId, articleId), cursor ? afterCursor(cursor) : undefined),
    viewerId,
  ).orderBy(...oldestFirst);

/** listComments' query, built once per database and shape (a viewer or not, a cursor or not). */
const preparedPage = preparedByShape((db, shape) => {
  const [who, from] = shape.split('_');
  const cursor = { createdAt: sql.placeholder('cursorAt'), id: sql.placeholder('cursorId') };
  return pageQuery(
    db,
    sql.placeholder('articleId'),
    from === 'after' ? cursor : undefined,
    who === 'viewer' ? sql.placeholder('viewerId') : undefined,
  )
    .limit(sql.placeholder('limit'))
    .prepare(`comment_page_${shape}`);
});

/**
 * One page of an article's comments, oldest first, in one query (a range of
 * comments_article_created_at_idx). One row more than asked tells whether a next page exists.
 */
export async function listComments(
  db: Database,
  articleId: number,
  page: { limit: number; cursor?: ArticleCursor | undefined },
  viewerId: number | undefined,
): Promise<CommentPage> {
  const shape = `${viewerId === undefined ? 'visitor' : 'viewer'}_${page.cursor ? 'after' : 'first'}`;
  const prepared = preparedPage(db, shape);
  const rows = prepared
    ? await prepared.execute({
        articleId,
        viewerId,
        limit: page.limit + 1,
        cursorAt: page.cursor?.createdAt,
        cursorId: page.cursor?.id,
      })
    : await pageQuery(db, articleId, page.cursor, viewerId).limit(page.limit + 1);
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    comments: shown.map(viewOfRow),
    nextCursor:
      rows.length > page.limit && last
        ? encodeCursor({ createdAt: last.cursorTime, id: last.id })
        : null,
  };
}

/** A new comment as its author sees it: the answer to createComment, built once per database. */
const preparedComment = preparedPer((db) =>
  selectComments(
    db,
    and(
      eq(comments.articleId, sql.placeholder('articleId')),
      eq(comments.id, sql.placeholder('id')),
    ),
    sql.placeholder('viewerId'),
  ).prepare('comment_created'),
);

/**
 * Writes the comment and announces it to live readers (LISTEN/NOTIFY) in one statement: the
 * announcement goes out when the comment is committed, never for one that failed. One round trip
 * where a transaction took four (decision 049); then the comment as its author sees it.
 */
export async function createComment(
  db: Database,
  fields: { articleId: number; authorId: number; body: string },
): Promise<CommentView> {
  const written = db
    .$with('written')
    .as(
      db
        .insert(comments)
        .values(fields)
        .returning({ id: comments.id, articleId: comments.articleId }),
    );
  let id: number;
  try {
    const [row] = await db
      .with(written)
      .select({
        id: written.id,
        announced: commentNotice(sql`${written.articleId}`, sql`${written.id}`),
      })
      .from(written);
    if (!row) throw new Error('createComment: insert returned no row');
    id = row.id;
  } catch (error) {
    // The article was deleted between finding it and commenting on it. (The author's account
    // deleted meanwhile is the procedure's to say: trpc.ts answers such a failure as accountGone.)
    if (foreignKeyViolation(error) === 'comments_article_id_articles_id_fk') {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'The article no longer exists' });
    }
    throw error;
  }
  const prepared = preparedComment(db);
  const [created] = prepared
    ? (await prepared.execute({ articleId: fields.articleId, id, viewerId: fields.authorId })).map(
        viewOfRow,
      )
    : await commentsByIds(db, fields.articleId, [id], fields.authorId);
  if (!created) throw new TRPCError({ code: 'NOT_FOUND', message: 'The comment no longer exists' });
  return created;
}

/** The comment `id` of the article, with its author: 404 when the article has no such comment. */
export async function findComment(
  db: Database,
  articleId: number,
  id: number,
): Promise<CommentRef> {
  const [row] = await db
    .select({ id: comments.id, authorId: comments.authorId, authorUsername: users.username })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(and(eq(comments.id, id), eq(comments.articleId, articleId)));
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `No comment ${id} on this article` });
  return row;
}

/**
 * Deletes the comment and announces it to live readers in one transaction (a savepoint inside a
 * moderator's removal), so open pages drop it once, and only once, it is gone.
 */
export async function deleteComment(db: Database, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .delete(comments)
      .where(eq(comments.id, id))
      .returning({ articleId: comments.articleId });
    if (row) await publishCommentDeleted(tx, { articleId: row.articleId, commentId: id });
  });
}

/** A moderator's removal of someone else's comment: deleted and audited together, or neither. */
export async function removeComment(
  ctx: { db: Database; meta: RequestMeta },
  removal: { comment: CommentRef; article: CommentedArticle; moderatorId: number; reason: string },
): Promise<void> {
  const { comment, article, moderatorId, reason } = removal;
  await ctx.db.transaction(async (tx) => {
    await deleteComment(tx, comment.id);
    await audit(
      { db: tx, meta: ctx.meta },
      {
        action: 'moderation.comment.delete',
        actorId: moderatorId,
        targetType: 'comment',
        targetId: String(comment.id),
        details: { reason, articleSlug: article.slug, author: comment.authorUsername },
      },
    );
  });
}

/** Comments of the article among `ids` (those still there), oldest first. */
export async function commentsByIds(
  db: Database,
  articleId: number,
  ids: number[],
  viewerId: number | undefined,
): Promise<CommentView[]> {
  if (ids.length === 0) return [];
  const rows = await selectComments(
    db,
    and(eq(comments.articleId, articleId), inArray(comments.id, ids)),
    viewerId,
  ).orderBy(...oldestFirst);
  return rows.map(viewOfRow);
}

/**
 * Up to `limit` comments of the article written after comment `afterId` (by id, the order they
 * were written in), for a reader catching up on what it missed.
 */
export async function commentsAfter(
  db: Database,
  articleId: number,
  afterId: number,
  limit: number,
  viewerId: number | undefined,
): Promise<CommentView[]> {
  const rows = await selectComments(
    db,
    and(eq(comments.articleId, articleId), gt(comments.id, afterId)),
    viewerId,
  )
    .orderBy(asc(comments.id))
    .limit(limit);
  return rows.map(viewOfRow);
}

/** A comment with the article it belongs to, for a reader of several articles at once. */
export interface ArticleComment {
  articleId: number;
  comment: CommentView;
}

function selectArticleComments(db: Database, where: SQL | undefined, viewerId: number | undefined) {
  return db
    .select({ ...commentColumns(viewerId), articleId: comments.articleId })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(where)
    .orderBy(asc(comments.id));
}

const withArticle = ({ articleId, ...row }: CommentRow & { articleId: number }) => ({
  articleId,
  comment: toView(row),
});

/** Comments among `ids` (those still there) of any of the articles, in the order written. */
export async function articleCommentsByIds(
  db: Database,
  articleIds: readonly number[],
  ids: number[],
  viewerId: number | undefined,
): Promise<ArticleComment[]> {
  if (ids.length === 0 || articleIds.length === 0) return [];
  const where = and(inArray(comments.articleId, [...articleIds]), inArray(comments.id, ids));
  return (await selectArticleComments(db, where, viewerId)).map(withArticle);
}

/**
 * Up to `limit` comments of the articles written after a comment (by id), each article after its
 * own (`after`: article id to comment id), for a reader of several articles catching up on what
 * it missed.
 */
export async function articleCommentsAfter(
  db: Database,
  after: ReadonlyMap<number, number>,
  limit: number,
  viewerId: number | undefined,
): Promise<ArticleComment[]> {
  if (after.size === 0) return [];
  const where = or(
    ...[...after].map(([articleId, afterId]) =>
      and(eq(comments.articleId, articleId), gt(comments.id, afterId)),
    ),
  );
  return (await selectArticleComments(db, where, viewerId).limit(limit)).map(withArticle);
}

/** The id of the newest comment anywhere (0 when none): where a new reader's cursor starts. */
export async function newestCommentId(db: Database): Promise<number> {
  const [row] = await db
    .select({ id: sql<number>`coalesce(max(${comments.id}), 0)::integer` })
    .from(comments);
  return row?.id ?? 0;
}

/**
 * The articles among `slugs` that exist, each once, under its current slug (one asked for by an
 * earlier slug is found too, and named by its current one).
 */
export async function findArticles(
  db: Database,
  slugs: readonly string[],
): Promise<CommentedArticle[]> {
  if (slugs.length === 0) return [];
  return db
    .select({ id: articles.id, slug: articles.slug })
    .from(articles)
    .where(or(...slugs.map(slugIs)));
}
