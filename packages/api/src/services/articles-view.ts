// What a reader sees of an article, selected in ONE query with everything around it: the author's
// profile, whether the viewer follows them and favorited the article, the favorites count and the
// tags, each a correlated subquery served by an index (never one query per article).
import {
  articles,
  articleTags,
  type Database,
  eq,
  favorites,
  isStorableText,
  type Placeholder,
  type SQL,
  slugIs,
  sql,
  tags,
  users,
} from '@conduit/db';
import type { ArticleSummary, ArticleView } from '../schemas/article';
import { renderMarkdown } from './markdown';
import { preparedByShape } from './prepared';
import { profileColumns } from './profiles';

/** The article's tag names, sorted (served by the article_tags primary key). */
const tagListSql = sql<string[]>`coalesce((
  select array_agg(${tags.name} order by ${tags.name})
  from ${articleTags} inner join ${tags} on ${tags.id} = ${articleTags.tagId}
  where ${articleTags.articleId} = ${articles.id}), '{}')`;

/** Exact at the time of the query (served by favorites_article_id_idx). */
const favoritesCountSql = sql<number>`(
  select count(*) from ${favorites} where ${favorites.articleId} = ${articles.id})`.mapWith(Number);

/** One probe of the favorites key per row, as `followingSql` (profiles.ts) and for its reason. */
function favoritedSql(viewerId: number | Placeholder | undefined): SQL<boolean> {
  if (viewerId === undefined) return sql<boolean>`false`;
  return sql<boolean>`exists (select from ${favorites}
    where ${favorites.userId} = ${viewerId} and ${favorites.articleId} = ${articles.id} offset 0)`;
}

/** The columns of an article in a list; select from `articles` inner-joined to its author in `users`. */
export function summaryColumns(viewerId: number | Placeholder | undefined) {
  return {
    slug: articles.slug,
    title: articles.title,
    description: articles.description,
    tagList: tagListSql,
    createdAt: articles.createdAt,
    updatedAt: articles.updatedAt,
    favorited: favoritedSql(viewerId),
    favoritesCount: favoritesCountSql,
    author: profileColumns(viewerId),
  };
}

interface SummaryRow {
  slug: string;
  title: string;
  description: string;
  tagList: string[];
  createdAt: Date;
  updatedAt: Date;
  favorited: boolean;
  favoritesCount: number;
  author: ArticleSummary['author'];
}

export function toSummary(row: SummaryRow): ArticleSummary {
  return {
    slug: row.slug,
    title: row.title,
    description: row.description,
    tagList: row.tagList,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    favorited: row.favorited,
    favoritesCount: row.favoritesCount,
    author: row.author,
  };
}

/** What the viewer flags of an article are about: the article and its author. */
export interface ArticleRefs {
  id: number;
  authorId: number;
}

const articleQuery = (db: Database, viewerId: number | Placeholder | undefined, where: SQL) =>
  db
    .select({
      ...summaryColumns(viewerId),
      body: articles.body,
      id: articles.id,
      authorId: articles.authorId,
    })
    .from(articles)
    .innerJoin(users, eq(users.id, articles.authorId))
    .where(where);

/** article.get's query, built once per database: for a visitor, and for a signed-in viewer. */
const preparedBySlug = preparedByShape((db, who) =>
  articleQuery(
    db,
    who === 'viewer' ? sql.placeholder('viewerId') : undefined,
    slugIs(sql.placeholder('slug')),
  ).prepare(`article_${who}`),
);

/** The article with this slug, current or earlier (see readArticleView); or undefined. */
export async function readArticleViewBySlug(
  db: Database,
  slug: string,
  viewerId: number | undefined,
): Promise<{ article: ArticleView; refs: ArticleRefs } | undefined> {
  const prepared = preparedBySlug(db, viewerId === undefined ? 'visitor' : 'viewer');
  if (!prepared) return readArticleView(db, slugIs(slug), viewerId);
  // A slug PostgreSQL could not even compare (a NUL, a lone surrogate) names no article.
  if (!isStorableText(slug)) return undefined;
  const [row] = await prepared.execute({ slug, viewerId });
  return row && viewOf(row);
}

/**
 * The article `where` picks (by slug or id), with its body and the body rendered, as `viewerId`
 * sees it, and the ids its viewer flags are about; or undefined.
 */
async function readArticleView(
  db: Database,
  where: SQL,
  viewerId: number | undefined,
): Promise<{ article: ArticleView; refs: ArticleRefs } | undefined> {
  const [row] = await articleQuery(db, viewerId, where);
  return row && viewOf(row);
}

function viewOf(row: SummaryRow & { body: string; id: number; authorId: number }) {
  return {
    article: { ...toSummary(row), body: row.body, bodyHtml: renderMarkdown(row.body) },
    refs: { id: row.id, authorId: row.authorId },
  };
}
