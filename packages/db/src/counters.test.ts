// The totals the triggers of migration 0001 keep (`counters`, `users.articles_count`) against a
// count of the rows themselves, through every way articles come and go: one at a time, in bulk,
// at once from several connections, with their author's account, by TRUNCATE, and changing hands.
import { eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './client';
import { articles, counters, users } from './schema/index';
import { createArticle, createUser, getTestDb, resetDb } from './testing';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

/** What the triggers say, next to what counting says. */
async function totals() {
  const [kept] = await db.select({ value: counters.value }).from(counters);
  const [counted] = await db.select({ n: sql<number>`count(*)::integer` }).from(articles);
  const authors = await db
    .select({
      username: users.username,
      kept: users.articlesCount,
      // Spelled out: drizzle leaves the columns of a one-table select unqualified.
      counted: sql<number>`(select count(*)::integer from articles a where a.author_id = users.id)`,
    })
    .from(users)
    .orderBy(users.username);
  return { kept: kept?.value ?? 0, counted: counted?.n ?? 0, authors };
}

function expectExact(state: Awaited<ReturnType<typeof totals>>, total: number) {
  expect(state.kept).toBe(total);
  expect(state.counted).toBe(total);
  for (const author of state.authors) expect(author.kept, author.username).toBe(author.counted);
}

const row = (authorId: number, n: number) => ({
  slug: `bulk-${authorId}-${n}`,
  title: `Bulk ${n}`,
  description: 'd',
  body: 'b',
  authorId,
});

describe('kept totals', () => {
  it('follow articles written and removed one at a time', async () => {
    const ann = await createUser(db, { username: 'ann' });
    const bob = await createUser(db, { username: 'bob' });
    const first = await createArticle(db, ann);
    await createArticle(db, ann);
    await createArticle(db, bob);
    expectExact(await totals(), 3);
    expect((await totals()).authors.map((a) => a.kept)).toEqual([2, 1]);
    await db.delete(articles).where(eq(articles.id, first.id));
    expectExact(await totals(), 2);
  });

  it('follow a bulk insert and a bulk delete across authors', async () => {
    const ann = await createUser(db, { username: 'ann' });
    const bob = await createUser(db, { username: 'bob' });
    await db
      .insert(articles)
      .values([
        ...Array.from({ length: 30 }, (_, n) => row(ann.id, n)),
        ...Array.from({ length: 12 }, (_, n) => row(bob.id, n)),
      ]);
    expectExact(await totals(), 42);
    await db.delete(articles).where(sql`${articles.title} like 'Bulk 1%'`);
    const state = await totals();
    expectExact(state, 42 - 11 - 3);
  });

  it('follow writes from several connections at once', async () => {
    const ann = await createUser(db, { username: 'ann' });
    const bob = await createUser(db, { username: 'bob' });
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        db.transaction(async (tx) => {
          const written = row(n % 2 === 0 ? ann.id : bob.id, n);
          await tx.insert(articles).values(written);
          if (n % 5 === 0) await tx.delete(articles).where(eq(articles.slug, written.slug));
        }),
      ),
    );
    expectExact(await totals(), 16);
  });

  it('forget the articles of an account removed with them, and keep the others', async () => {
    const ann = await createUser(db, { username: 'ann' });
    const bob = await createUser(db, { username: 'bob' });
    await createArticle(db, ann);
    await createArticle(db, ann);
    await createArticle(db, bob);
    await db.delete(users).where(eq(users.id, ann.id));
    expectExact(await totals(), 1);
  });

  it('follow an article changing hands, and start again after TRUNCATE', async () => {
    const ann = await createUser(db, { username: 'ann' });
    const bob = await createUser(db, { username: 'bob' });
    const article = await createArticle(db, ann);
    await db.update(articles).set({ authorId: bob.id }).where(eq(articles.id, article.id));
    expectExact(await totals(), 1);
    expect((await totals()).authors.map((a) => a.kept)).toEqual([0, 1]);
    await db.execute(sql`truncate ${articles} cascade`);
    expectExact(await totals(), 0);
    await createArticle(db, bob);
    expectExact(await totals(), 1);
  });
});
