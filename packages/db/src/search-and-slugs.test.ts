// What the triggers of migrations 0005 and 0008 keep: each article's search document, against the
// document rebuilt from the rows (through creates, edits, tagging in bulk, untagging and TRUNCATE),
// and the slug history, which refuses another article's slug, old or current, under
// articles_slug_key.
import { eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './client';
import { uniqueViolation } from './errors';
import { articleSlugs, articles, articleTags, tags } from './schema/index';
import { createArticle, createUser, getTestDb, resetDb } from './testing';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

/** Articles whose kept document differs from the one their rows make now. */
async function staleDocuments() {
  return db
    .select({ slug: articles.slug })
    .from(articles)
    .where(
      sql`${articles.searchVector} <> article_search_document(${articles.title}, ${articles.description}, ${articles.body}, article_tag_names(${articles.id}))`,
    );
}

const matching = async (query: string) =>
  (
    await db
      .select({ slug: articles.slug })
      .from(articles)
      .where(sql`${articles.searchVector} @@ websearch_to_tsquery('english', ${query})`)
      .orderBy(articles.slug)
  ).map((row) => row.slug);

async function refusal(statement: Promise<unknown>): Promise<string | undefined> {
  try {
    await statement;
    return undefined;
  } catch (error) {
    return uniqueViolation(error) ?? String(error);
  }
}

describe('search documents', () => {
  it('follow edits, tags added in bulk, removed, and TRUNCATE', async () => {
    const ann = await createUser(db);
    const a = await createArticle(db, ann, { slug: 'a', title: 'Gardens', tagList: ['roses'] });
    const b = await createArticle(db, ann, { slug: 'b', body: 'About roses too' });
    expect(await matching('roses')).toEqual(['a', 'b']);
    // A's tag was appended to the document its row made (0008), b has none: both as made whole.
    expect(await staleDocuments()).toEqual([]);

    await db.update(articles).set({ title: 'Kitchens' }).where(eq(articles.id, a.id));
    expect(await matching('garden')).toEqual([]);
    expect(await matching('kitchen roses')).toEqual(['a']);

    const [tulips] = await db.insert(tags).values({ name: 'tulips' }).returning();
    if (!tulips) throw new Error('no tag');
    await db.insert(articleTags).values([
      { articleId: a.id, tagId: tulips.id },
      { articleId: b.id, tagId: tulips.id },
    ]);
    expect(await matching('tulips')).toEqual(['a', 'b']);
    // One statement: a had a tag (made whole), b had none (appended to).
    expect(await staleDocuments()).toEqual([]);
    await db.delete(articleTags).where(eq(articleTags.articleId, b.id));
    expect(await matching('tulips')).toEqual(['a']);
    expect(await staleDocuments()).toEqual([]);

    await db.execute(sql`truncate ${articleTags}`);
    expect(await matching('tulips')).toEqual([]);
    expect(await staleDocuments()).toEqual([]);

    // Tags linked again after all were removed, several at once in two statements: appended to,
    // then made whole; the tags' names weigh B wherever they sit.
    const more = await db
      .insert(tags)
      .values([{ name: 'lilies' }, { name: 'asters' }])
      .returning();
    await db.insert(articleTags).values(more.map((tag) => ({ articleId: b.id, tagId: tag.id })));
    expect(await staleDocuments()).toEqual([]);
    await db.insert(articleTags).values({ articleId: b.id, tagId: tulips.id });
    expect(await staleDocuments()).toEqual([]);
    const [weighed] = await db
      .select({ document: sql<string>`${articles.searchVector}::text` })
      .from(articles)
      .where(eq(articles.id, b.id));
    expect(weighed?.document).toMatch(/'lili':\d+B/);
    expect(weighed?.document).toMatch(/'tulip':\d+B/);
  });
});

describe('slug history', () => {
  it("refuses another article's earlier or current slug, and gives an article back its own", async () => {
    const ann = await createUser(db);
    const first = await createArticle(db, ann, { slug: 'first' });
    await db.update(articles).set({ slug: 'first-renamed' }).where(eq(articles.id, first.id));

    expect(await refusal(createArticle(db, ann, { slug: 'first' }))).toBe('articles_slug_key');
    const other = await createArticle(db, ann, { slug: 'other' });
    expect(
      await refusal(db.update(articles).set({ slug: 'first' }).where(eq(articles.id, other.id))),
    ).toBe('articles_slug_key');
    await db.update(articles).set({ slug: 'first' }).where(eq(articles.id, first.id));

    const history = await db
      .select({ slug: articleSlugs.slug, articleId: articleSlugs.articleId })
      .from(articleSlugs)
      .orderBy(articleSlugs.slug);
    expect(history).toEqual([
      { slug: 'first', articleId: first.id },
      { slug: 'first-renamed', articleId: first.id },
      { slug: 'other', articleId: other.id },
    ]);
    await db.delete(articles).where(eq(articles.id, first.id));
    expect(await refusal(createArticle(db, ann, { slug: 'first-renamed' }))).toBeUndefined();
  });

  it('lets one of several connections writing the same slug at once have it', async () => {
    const ann = await createUser(db);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        refusal(createArticle(db, ann, { slug: 'contested', title: `Contested ${n}` })),
      ),
    );
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(results.filter((r) => r === 'articles_slug_key')).toHaveLength(5);
  });
});
