// Bulk writes for the seed: multi-row inserts sized under PostgreSQL's bind-parameter limit.
import { count, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { articles, tags, users } from '../schema/index';
import type { ArticleRow } from './articles';
import type { TagInfo } from './words';

/** PostgreSQL's wire protocol counts bind parameters in 16 bits. */
const MAX_BIND_PARAMETERS = 65_535;
/** Beyond this, bigger statements stop paying off and only cost memory. */
const MAX_ROWS_PER_STATEMENT = 5_000;

/** Slices `rows` into statements of at most MAX_ROWS_PER_STATEMENT rows and the parameter limit. */
export function* statementBatches<T>(rows: readonly T[], columns: number): Generator<T[]> {
  const size = Math.max(
    1,
    Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_BIND_PARAMETERS / columns)),
  );
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}

export async function countUsers(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

export async function hasArticles(db: Database): Promise<boolean> {
  const rows = await db.select({ id: articles.id }).from(articles).limit(1);
  return rows.length > 0;
}

/** Lowercased usernames and emails already in use, which seeded accounts must not collide with. */
export async function takenNames(db: Database): Promise<Set<string>> {
  const rows = await db
    .select({
      username: sql<string>`lower(${users.username})`,
      email: sql<string>`lower(${users.email})`,
    })
    .from(users);
  const taken = new Set<string>();
  for (const row of rows) {
    taken.add(row.username);
    taken.add(row.email);
  }
  return taken;
}

/** Adds the tag vocabulary (keeping tags that exist) and returns every tag's id by name. */
export async function upsertTags(
  db: Database,
  vocabulary: readonly TagInfo[],
): Promise<{ inserted: number; ids: Map<string, number> }> {
  const names = vocabulary.map((tag) => tag.name);
  const inserted = await db
    .insert(tags)
    .values(names.map((name) => ({ name })))
    .onConflictDoNothing()
    .returning({ id: tags.id });
  const rows = await db
    .select({ id: tags.id, name: tags.name })
    .from(tags)
    .where(inArray(tags.name, names));
  return { inserted: inserted.length, ids: new Map(rows.map((row) => [row.name, row.id])) };
}

/**
 * Renames the rows whose slug is already taken in the database (only possible when seeding beside
 * existing articles): `-2`, `-3`... is appended to the seeded slug until it is free. Seeded slugs
 * end in exactly one number and titles never end in a digit, so a renamed slug cannot collide
 * with a slug this run draws later.
 */
export async function renameTakenSlugs(db: Database, rows: ArticleRow[]): Promise<void> {
  const original = new Map(rows.map((row) => [row, row.slug]));
  let pending = rows;
  for (let suffix = 2; pending.length > 0; suffix++) {
    const candidates = pending.map((row) => row.slug);
    const found = await db
      .select({ slug: articles.slug })
      .from(articles)
      .where(inArray(articles.slug, candidates));
    const taken = new Set(found.map((row) => row.slug));
    pending = pending.filter((row) => taken.has(row.slug));
    for (const row of pending) row.slug = `${original.get(row)}-${suffix}`;
  }
}
