// Tags: which are in use (by popularity), and the tags of one article.
import {
  articleTags,
  type Database,
  descIndexed,
  eq,
  gt,
  inArray,
  type Placeholder,
  sql,
  tags,
} from '@conduit/db';
import { preparedPer } from './prepared';

const popularQuery = (db: Database, limit: number | Placeholder) =>
  db
    .select({ name: tags.name })
    .from(tags)
    .where(gt(tags.articlesCount, 0))
    .orderBy(descIndexed(tags.articlesCount), tags.name)
    .limit(limit);

/** tag.list's query, built once per database (prepared.ts). */
const preparedPopular = preparedPer((db) =>
  popularQuery(db, sql.placeholder('limit')).prepare('popular_tags'),
);

/**
 * Names of the tags carried by at least one article, most used first (ties by name): a range of
 * tags_popular_idx, the counts being kept by trigger (migration 0002).
 */
export async function listPopularTags(db: Database, limit: number): Promise<string[]> {
  const prepared = preparedPopular(db);
  const rows = prepared ? await prepared.execute({ limit }) : await popularQuery(db, limit);
  return rows.map((row) => row.name);
}

/**
 * The names of the article's tags. In a transaction that queued on the article writes' lock
 * (queueArticleWrites), they stay so until it commits: every writer of tags links waits there.
 */
export async function articleTagNames(tx: Database, articleId: number): Promise<string[]> {
  const rows = await tx
    .select({ name: tags.name })
    .from(articleTags)
    .innerJoin(tags, eq(tags.id, articleTags.tagId))
    .where(eq(articleTags.articleId, articleId));
  return rows.map((row) => row.name);
}

/**
 * Makes `names` (already normalised) the article's whole tag list. Run it in the transaction that
 * writes the article. Tags new to the site are created; one created meanwhile by a concurrent
 * request is simply found: `on conflict do nothing` waits for that request, and the select after
 * it (a new statement, so a new snapshot) sees its row.
 */
export async function replaceArticleTags(
  tx: Database,
  articleId: number,
  names: readonly string[],
): Promise<void> {
  await tx.delete(articleTags).where(eq(articleTags.articleId, articleId));
  if (names.length === 0) return;
  // In one order everywhere, so two requests creating the same new tags cannot deadlock.
  const sorted = [...names].sort();
  await tx
    .insert(tags)
    .values(sorted.map((name) => ({ name })))
    .onConflictDoNothing({ target: tags.name });
  const rows = await tx.select({ id: tags.id }).from(tags).where(inArray(tags.name, sorted));
  await tx
    .insert(articleTags)
    .values(rows.map((tag) => ({ articleId, tagId: tag.id })))
    .onConflictDoNothing();
}
