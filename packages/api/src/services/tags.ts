// Tags: which are in use (by popularity), and the tags of one article.
import {
  articleTags,
  type Database,
  descIndexed,
  eq,
  gt,
  type Placeholder,
  type SQL,
  type SQLWrapper,
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
 * writes the article, after queueing on the article writes' lock (queueArticleWrites). Tags new
 * to the site are created (tagUpsert).
 */
export async function replaceArticleTags(
  tx: Database,
  articleId: number,
  names: readonly string[],
): Promise<void> {
  await tx.delete(articleTags).where(eq(articleTags.articleId, articleId));
  if (names.length === 0) return;
  const tag = sql.identifier('tag');
  const links = tagLinks(sql`${articleId}::integer`, sql.identifier(tags.id.name), tag);
  await tx.execute(sql`with ${tag} as (${tagUpsert(names)}) ${links} on conflict do nothing`);
}

/** An insert of the links of article `articleId` to the tags `tagId` names, in the rows of `from`. */
export function tagLinks(articleId: SQLWrapper, tagId: SQLWrapper, from: SQLWrapper): SQL {
  // Column names as an insert's column list takes them (unqualified).
  const columns = [articleTags.articleId, articleTags.tagId].map((c) => sql.identifier(c.name));
  return sql`insert into ${articleTags} (${sql.join(columns, sql`, `)})
    select ${articleId}, ${tagId} from ${from}`;
}

/**
 * An insert of the tags of `names` that are new to the site, answering the id of every one of
 * them, old ones too. An upsert (`do update`), because a tag another request created after the
 * statement's snapshot is still found that way, where `do nothing` skips it and a select in the
 * same statement would not see it. Every writer of tags first holds the article writes' queue
 * (migrations 0002, 0007), which is what keeps two writers of the same tags from deadlocking;
 * the name order is one guard more. `from`: a source read with the names, of one row or none (the
 * article a create's statement writes: no article, no tags).
 */
export function tagUpsert(names: readonly string[], from?: SQLWrapper): SQL {
  const name = sql.identifier(tags.name.name);
  const source = from ? sql`, ${from}` : sql``;
  return sql`insert into ${tags} (${name})
    select distinct ${name} from unnest(${sql.param([...names])}::text[]) as ${name}${source}
    order by ${name}
    on conflict (${name}) do update set ${name} = excluded.${name}
    returning ${tags.id}`;
}
