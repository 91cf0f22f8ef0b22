// Articles: read one, write (create, update, delete) and favorite.
import {
  articles,
  articleTags,
  counters,
  type Database,
  eq,
  favorites,
  foreignKeyViolation,
  slugIs,
  sql,
  tags,
  users,
} from '@conduit/db';
import { TRPCError } from '@trpc/server';
import type { RequestMeta } from '../context';
import type { ArticleView } from '../schemas/article';
import { type ArticleRefs, readArticleViewBySlug } from './articles-view';
import { audit } from './audit';
import { slugify, withFreeSlug, withUniqueSlug } from './slugs';
import { articleTagNames, replaceArticleTags, tagLinks, tagUpsert } from './tags';

/** What rights checks and moderation need to know about an article. */
export interface ArticleRef {
  id: number;
  slug: string;
  title: string;
  authorId: number;
  authorUsername: string;
}

export interface ArticleContent {
  title: string;
  description: string;
  body: string;
  tagList: string[];
}

const notFound = (slug: string) =>
  new TRPCError({ code: 'NOT_FOUND', message: `No article with slug ${slug}` });

/** The article as the viewer sees it, and the ids its viewer flags are about (see cached-reads.ts). */
export async function getArticleWithRefs(
  db: Database,
  slug: string,
  viewerId: number | undefined,
): Promise<{ article: ArticleView; refs: ArticleRefs }> {
  const found = await readArticleViewBySlug(db, slug, viewerId);
  if (!found) throw notFound(slug);
  return found;
}

export async function findArticle(db: Database, slug: string): Promise<ArticleRef> {
  const [article] = await db
    .select({
      id: articles.id,
      slug: articles.slug,
      title: articles.title,
      authorId: articles.authorId,
      authorUsername: users.username,
    })
    .from(articles)
    .innerJoin(users, eq(users.id, articles.authorId))
    .where(slugIs(slug));
  if (!article) throw notFound(slug);
  return article;
}

/**
 * Creates the article and its tags under a unique slug made from the title, in one statement
 * (insertArticle), and answers it as article.get would, by its prepared read.
 */
export async function createArticle(
  db: Database,
  authorId: number,
  { tagList, ...content }: ArticleContent,
): Promise<ArticleView> {
  const slug = await withFreeSlug(db, slugify(content.title), (candidate) =>
    insertArticle(db, { ...content, slug: candidate, authorId }, tagList),
  );
  return (await getArticleWithRefs(db, slug, authorId)).article;
}

/**
 * Writes the article, its tags new to the site (tagUpsert) and its links to them as one
 * statement, the article and the tags as data-modifying CTEs: one round trip where a transaction
 * took nine (begin, a savepoint, the insert, the savepoint's release, a delete of the article's
 * tags, the tags' insert and select, the links' insert, commit; decision 049). Outside a
 * transaction only (withFreeSlug). Answers the slug, or undefined when it is another article's:
 * then nothing is written, since the tags are read with the article's row. The article's insert
 * queues on the site's row in `counters` (migrations 0002, 0007) before any tag is touched, as
 * every writer of articles or their tags does; the triggers (counts, the search document, the
 * slug history) run at the end of the statement.
 */
async function insertArticle(
  db: Database,
  row: typeof articles.$inferInsert,
  tagNames: readonly string[],
): Promise<string | undefined> {
  const article = db
    .$with('article')
    .as(
      db
        .insert(articles)
        .values(row)
        .onConflictDoNothing({ target: articles.slug })
        .returning({ id: articles.id, slug: articles.slug }),
    );
  const tag = db.$with('tag', { id: tags.id }).as(tagUpsert(tagNames, article));
  const links = tagLinks(article.id, tag.id, sql`${article}, ${tag}`);
  const link = db
    .$with('link', { articleId: articleTags.articleId })
    .as(sql`${links} returning ${articleTags.articleId}`);
  const [written] = await db.with(article, tag, link).select({ slug: article.slug }).from(article);
  return written?.slug;
}

/**
 * Applies the changes given, in one transaction. A new title whose slug differs from the old
 * title's gives the article a new slug; a new tag list replaces the old one, and the old one is
 * answered too (`tagsBefore`: the lists of those tags changed, for the cache).
 */
export async function updateArticle(
  db: Database,
  article: ArticleRef,
  { tagList, ...changes }: Partial<ArticleContent>,
  viewerId: number,
): Promise<{ article: ArticleView; tagsBefore?: string[] }> {
  let tagsBefore: string[] | undefined;
  let slug = article.slug;
  const newSlugBase =
    changes.title !== undefined && slugify(changes.title) !== slugify(article.title)
      ? slugify(changes.title)
      : undefined;
  const changed = tagList !== undefined || Object.values(changes).some((v) => v !== undefined);
  if (changed) {
    await db.transaction(async (tx) => {
      // A new tag list writes article_tags, whose writers queue on the site's row in `counters`
      // first (migration 0002), as a deletion of the article does: taking that queue only after
      // the article's row would lock the two in the opposite order, and they would deadlock.
      if (tagList !== undefined) await queueArticleWrites(tx);
      // Writing the row first locks it, so concurrent edits of one article apply one by one.
      const update = (writer: Database, slug?: string) =>
        writer
          .update(articles)
          .set({ ...changes, ...(slug ? { slug } : {}), updatedAt: sql`now()` })
          .where(eq(articles.id, article.id))
          .returning({ slug: articles.slug });
      const [updated] = newSlugBase
        ? await withUniqueSlug(tx, newSlugBase, update)
        : await update(tx);
      if (!updated) throw notFound(article.slug);
      slug = updated.slug;
      if (tagList !== undefined) {
        tagsBefore = await articleTagNames(tx, article.id);
        await replaceArticleTags(tx, article.id, tagList);
      }
    });
  }
  // By article.get's prepared read (an earlier slug still finds it, should it be renamed again).
  const { article: view } = await getArticleWithRefs(db, slug, viewerId);
  return tagsBefore === undefined ? { article: view } : { article: view, tagsBefore };
}

/**
 * Waits for, then holds until commit, the lock every write of articles or their tags takes
 * (decision 014): take it before any other row such a write could meet (an author's, a tag's).
 */
export async function queueArticleWrites(tx: Database): Promise<void> {
  await tx
    .select({ name: counters.name })
    .from(counters)
    .where(eq(counters.name, 'articles'))
    .for('update');
}

export interface Moderation {
  actorId: number;
  reason: string;
}

/**
 * Deletes the article (its tags links, favorites and comments go with it). A removal by a
 * moderator is written to the audit log in the same transaction: both happen, or neither.
 * Answers the tags it carried (the lists of those tags changed, for the cache).
 */
export async function deleteArticle(
  ctx: { db: Database; meta: RequestMeta },
  article: ArticleRef,
  moderation?: Moderation,
): Promise<string[]> {
  return ctx.db.transaction(async (tx) => {
    // Queued first, as every writer of articles and their tags does (decision 014): the tags read
    // next are then the ones the deletion removes, whatever an edit running beside it does.
    await queueArticleWrites(tx);
    const tagsBefore = await articleTagNames(tx, article.id);
    const deleted = await tx
      .delete(articles)
      .where(eq(articles.id, article.id))
      .returning({ id: articles.id });
    if (deleted.length === 0) throw notFound(article.slug);
    if (!moderation) return tagsBefore;
    await audit(
      { db: tx, meta: ctx.meta },
      {
        action: 'moderation.article.delete',
        actorId: moderation.actorId,
        targetType: 'article',
        targetId: String(article.id),
        details: {
          reason: moderation.reason,
          slug: article.slug,
          title: article.title,
          author: article.authorUsername,
        },
      },
    );
    return tagsBefore;
  });
}

/**
 * Idempotent, and exact under concurrency: the favorite is one `insert ... on conflict do nothing`
 * (the primary key decides, no read first), and the count comes with the article in one query.
 */
export async function favoriteArticle(
  db: Database,
  viewerId: number,
  slug: string,
): Promise<{ article: ArticleView; refs: ArticleRefs }> {
  try {
    await db
      .insert(favorites)
      .select(
        db
          .select({
            userId: sql<number>`${viewerId}::integer`.as('user_id'),
            articleId: articles.id,
            createdAt: sql<Date>`now()`.as('created_at'),
          })
          .from(articles)
          .where(slugIs(slug)),
      )
      .onConflictDoNothing();
  } catch (error) {
    // The article was read, then deleted before the favorite's foreign key was checked.
    if (foreignKeyViolation(error)) throw notFound(slug);
    throw error;
  }
  return getArticleWithRefs(db, slug, viewerId);
}

/** Idempotent: unfavoriting an article not favorited changes nothing. */
export async function unfavoriteArticle(
  db: Database,
  viewerId: number,
  slug: string,
): Promise<{ article: ArticleView; refs: ArticleRefs }> {
  await db
    .delete(favorites)
    .where(
      sql`${favorites.userId} = ${viewerId} and ${favorites.articleId} = (select ${articles.id} from ${articles} where ${slugIs(slug)})`,
    );
  return getArticleWithRefs(db, slug, viewerId);
}
