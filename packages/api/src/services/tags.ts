// Tags in use, by popularity.
import { articleTags, count, type Database, desc, eq, tags } from '@conduit/db';

/** Names of the tags carried by at least one article, most used first (ties by name). */
export async function listPopularTags(db: Database, limit: number): Promise<string[]> {
  const rows = await db
    .select({ name: tags.name })
    .from(tags)
    .innerJoin(articleTags, eq(articleTags.tagId, tags.id))
    .groupBy(tags.id)
    .orderBy(desc(count()), tags.name)
    .limit(limit);
  return rows.map((row) => row.name);
}
