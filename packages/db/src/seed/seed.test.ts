import { asc, type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { avatarUrl } from '../avatars';
import type { Database } from '../client';
import { articles, articleTags, comments, favorites, follows, tags, users } from '../schema/index';
import { getTestDb, resetDb } from '../testing';
import { SEED_PASSWORD_HASH, type SeedStats, seedDatabase } from './index';
import { DEFAULT_ORIGIN } from './seed';

const small = { users: 30, articles: 200, seed: 42 };

let db: Database;
beforeEach(async () => {
  db = (await getTestDb()).db;
  await resetDb(db);
});

async function countRows(): Promise<Omit<SeedStats, 'total'>> {
  const n = async (table: PgTable) =>
    (await db.select({ n: sql<number>`count(*)::int` }).from(table))[0]?.n ?? -1;
  return {
    users: await n(users),
    follows: await n(follows),
    tags: await n(tags),
    articles: await n(articles),
    articleTags: await n(articleTags),
    favorites: await n(favorites),
    comments: await n(comments),
  };
}

/** The first row of a raw query; postgres.js returns the rows, PGlite an object holding them. */
async function queryOne(query: SQL): Promise<unknown> {
  const result: unknown = await db.execute(query);
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  return rows[0];
}

/** Everything that identifies the seeded data, in id order. */
async function snapshot() {
  return {
    users: await db.select().from(users).orderBy(asc(users.id)),
    articles: await db.select().from(articles).orderBy(asc(articles.id)),
    follows: await db
      .select()
      .from(follows)
      .orderBy(asc(follows.followerId), asc(follows.followeeId)),
    favorites: await db
      .select()
      .from(favorites)
      .orderBy(asc(favorites.userId), asc(favorites.articleId)),
    comments: await db.select().from(comments).orderBy(asc(comments.id)),
  };
}

describe('seedDatabase', () => {
  it('writes the requested users and articles and reports what it wrote', async () => {
    const progress: number[] = [];
    const stats = await seedDatabase(db, { ...small, onProgress: (done) => progress.push(done) });
    const { total, ...perTable } = stats;
    expect(perTable).toEqual(await countRows());
    expect(stats.users).toBe(30);
    expect(stats.articles).toBe(200);
    expect(total).toBe(Object.values(perTable).reduce((a, b) => a + b, 0));
    expect(stats.follows).toBeGreaterThan(30);
    expect(stats.favorites).toBeGreaterThan(200);
    expect(stats.comments).toBeGreaterThan(50);
    expect(progress.at(-1)).toBe(200);
  });

  it('keeps the rules of the domain', async () => {
    await seedDatabase(db, small);
    expect(
      await queryOne(sql`select count(*)::int as n from follows where follower_id = followee_id`),
    ).toEqual({ n: 0 });
    expect(
      await queryOne(sql`select min(n)::int as min, max(n)::int as max, count(*)::int as articles
        from (select a.id, count(t.tag_id) as n from articles a
              left join article_tags t on t.article_id = a.id group by a.id) x`),
    ).toEqual({ min: 1, max: 5, articles: 200 });
    expect(
      await queryOne(sql`select count(*)::int as n from comments c join articles a on a.id = c.article_id
        where c.created_at <= a.created_at`),
    ).toEqual({ n: 0 });
    expect(
      await queryOne(sql`select count(*)::int as n from favorites f join articles a on a.id = f.article_id
        where f.created_at < a.created_at or f.user_id = a.author_id`),
    ).toEqual({ n: 0 });
    expect(
      await queryOne(sql`select count(*)::int as n from (
        select created_at, lag(created_at) over (order by id) as previous from articles) x
        where previous >= created_at`),
    ).toEqual({ n: 0 });
    expect(
      await queryOne(sql`select count(*)::int as n from articles where updated_at < created_at`),
    ).toEqual({ n: 0 });
    expect(
      await queryOne(
        sql`select count(*)::int as n from articles where slug !~ '^[a-z0-9]+(-[a-z0-9]+)*-[0-9]+$'`,
      ),
    ).toEqual({ n: 0 });

    const people = await db.select().from(users);
    for (const user of people) {
      expect(user.email).toBe(`${user.username.toLowerCase()}@example.com`);
      expect(user.passwordHash).toBe(SEED_PASSWORD_HASH);
      expect(user.role).toBe('user');
      // Drawn by the site itself (decision 033): no picture comes from a third party.
      if (user.image) expect(user.image).toBe(avatarUrl(DEFAULT_ORIGIN, user.username));
    }
    expect(people.some((user) => user.bio)).toBe(true);
    expect(people.some((user) => user.image)).toBe(true);
  });

  it('writes the same rows for the same seed, and other rows for another', async () => {
    await seedDatabase(db, small);
    const first = await snapshot();
    await resetDb(db);
    await seedDatabase(db, small);
    expect(await snapshot()).toEqual(first);

    await resetDb(db);
    await seedDatabase(db, { ...small, seed: 43 });
    const other = await snapshot();
    expect(other.users.map((user) => user.username)).not.toEqual(
      first.users.map((user) => user.username),
    );
    expect(other.articles.map((article) => article.slug)).not.toEqual(
      first.articles.map((a) => a.slug),
    );
  });

  it('adds beside existing data without clashing names or slugs', async () => {
    await seedDatabase(db, small);
    const stats = await seedDatabase(db, small);
    expect(stats.tags).toBe(0);
    const counts = await countRows();
    expect(counts.users).toBe(60);
    expect(counts.articles).toBe(400);
    const clashes = await queryOne(
      sql`select count(*)::int as n from (select lower(username) from users group by 1 having count(*) > 1) x`,
    );
    expect(clashes).toEqual({ n: 0 });
  });

  it('writes nothing when it fails half-way', async () => {
    const controller = new AbortController();
    const run = seedDatabase(db, {
      ...small,
      articles: 2_500,
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 1_000) controller.abort();
      },
    });
    await expect(run).rejects.toThrow();
    expect(await countRows()).toMatchObject({ users: 0, articles: 0, tags: 0 });
  });

  it('refuses articles without users, and counts that are not whole numbers', async () => {
    await expect(seedDatabase(db, { users: 0, articles: 1, seed: 1 })).rejects.toThrow(RangeError);
    await expect(seedDatabase(db, { users: 1.5, articles: 0, seed: 1 })).rejects.toThrow(
      RangeError,
    );
  });
});
