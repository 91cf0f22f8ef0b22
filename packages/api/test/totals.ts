// The totals triggers keep (decision 014), checked against a count of what is there.
import { articles, articleTags, counters, type Database, eq, sql, tags, users } from '@conduit/db';
import { expect } from 'vitest';

/** Fails the test when the site's, any author's or any tag's article total differs from a count. */
export async function expectTotalsExact(db: Database): Promise<void> {
  const [site] = await db
    .select({
      kept: counters.value,
      counted: sql<number>`(select count(*) from ${articles})::int`,
    })
    .from(counters)
    .where(eq(counters.name, 'articles'));
  expect(site?.kept).toBe(site?.counted);
  const authors = await db
    .select({ username: users.username })
    .from(users)
    .where(
      sql`${users.articlesCount} <> (select count(*) from ${articles} where ${articles.authorId} = ${users.id})`,
    );
  expect(authors).toEqual([]);
  const tagged = await db
    .select({ name: tags.name })
    .from(tags)
    .where(
      sql`${tags.articlesCount} <> (select count(*) from ${articleTags} where ${articleTags.tagId} = ${tags.id})`,
    );
  expect(tagged).toEqual([]);
}
