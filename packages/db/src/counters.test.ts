// The totals the triggers of migrations 0001, 0002 and 0006 keep (`counters`,
// `users.articles_count`, `tags.articles_count`, `feed_totals`) against a count of the rows
// themselves, through every way articles and follows come and go: one at a time, in bulk, at once
// from several connections, with their author's or reader's account, by TRUNCATE, and changing
// hands.
import { eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './client';
import { articles, articleTags, counters, feedTotals, follows, tags, users } from './schema/index';
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
  const perTag = await db
    .select({
      name: tags.name,
      kept: tags.articlesCount,
      counted: sql<number>`(select count(*)::integer from article_tags l where l.tag_id = tags.id)`,
    })
    .from(tags)
    .orderBy(tags.name);
  return { kept: kept?.value ?? 0, counted: counted?.n ?? 0, authors, tags: perTag };
}

function expectExact(state: Awaited<ReturnType<typeof totals>>, total: number) {
  expect(state.kept).toBe(total);
  expect(state.counted).toBe(total);
  for (const author of state.authors) expect(author.kept, author.username).toBe(author.counted);
  for (const tag of state.tags) expect(tag.kept, tag.name).toBe(tag.counted);
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

  it('count each tag through tagging, retagging, removal and a removed tag', async () => {
    const ann = await createUser(db, { username: 'ann' });
    const one = await createArticle(db, ann, { tagList: ['x', 'y'] });
    const two = await createArticle(db, ann, { tagList: ['x'] });
    await createArticle(db, ann, { tagList: ['x', 'z'] });
    expectExact(await totals(), 3);
    expect((await totals()).tags.map((t) => [t.name, t.kept])).toEqual([
      ['x', 3],
      ['y', 1],
      ['z', 1],
    ]);
    // Retagged: the old links go, new ones come, in one transaction.
    await db.transaction(async (tx) => {
      await tx.delete(articleTags).where(eq(articleTags.articleId, one.id));
      const [z] = await tx.select().from(tags).where(eq(tags.name, 'z'));
      await tx.insert(articleTags).values({ articleId: one.id, tagId: z?.id ?? 0 });
    });
    await db.delete(articles).where(eq(articles.id, two.id));
    expectExact(await totals(), 2);
    await db.delete(tags).where(eq(tags.name, 'z'));
    expectExact(await totals(), 2);
    expect((await totals()).tags.map((t) => [t.name, t.kept])).toEqual([
      ['x', 1],
      ['y', 0],
    ]);
  });

  it('let writers of the same tags in opposite orders all through, without a deadlock', async () => {
    const ann = await createUser(db, { username: 'ann' });
    const [x, y] = await db
      .insert(tags)
      .values([{ name: 'x' }, { name: 'y' }])
      .returning();
    const tagIds = [x?.id ?? 0, y?.id ?? 0];
    // Half the articles tagged x, half y; each retag swaps one's tag for the other: removing a
    // link locks one tag's row, adding the new one the other's, in opposite orders.
    const shared = await Promise.all(
      Array.from({ length: 8 }, (_, n) => createArticle(db, ann, { tagList: [n % 2 ? 'x' : 'y'] })),
    );
    await Promise.all(
      Array.from({ length: 24 }, (_, n) =>
        db.transaction(async (tx) => {
          if (n % 3 !== 0) {
            // A retag as the procedure does it: the article's row first, then its links.
            const article = shared[n % shared.length]?.id ?? 0;
            await tx.execute(sql`select 1 from articles where id = ${article} for update`);
            const [link] = await tx
              .delete(articleTags)
              .where(eq(articleTags.articleId, article))
              .returning();
            const other = link?.tagId === tagIds[0] ? tagIds[1] : tagIds[0];
            await tx.execute(sql`select pg_sleep(0.01)`);
            await tx.insert(articleTags).values({ articleId: article, tagId: other ?? 0 });
            return;
          }
          const [article] = await tx.insert(articles).values(row(ann.id, n)).returning();
          const order = n % 2 === 0 ? tagIds : [...tagIds].reverse();
          await tx
            .insert(articleTags)
            .values(order.map((tagId) => ({ articleId: article?.id ?? 0, tagId })));
        }),
      ),
    );
    expectExact(await totals(), 8 + 8);
    const kept = (await totals()).tags.map((t) => t.kept);
    expect((kept[0] ?? 0) + (kept[1] ?? 0)).toBe(8 + 16);
  });
});

/** Each reader's kept feed totals (0 and 0 without a row), next to what counting says. */
async function feedState() {
  return db
    .select({
      username: users.username,
      kept: sql<string>`coalesce((select ${feedTotals.follows} || '/' || ${feedTotals.articles}
        from ${feedTotals} where ${feedTotals.readerId} = ${users.id}), '0/0')`,
      counted: sql<string>`(select count(*) || '/' || coalesce(sum((select count(*) from articles a
        where a.author_id = f.followee_id)), 0) from follows f where f.follower_id = ${users.id})`,
    })
    .from(users)
    .orderBy(users.username);
}

async function expectFeedExact() {
  const state = await feedState();
  for (const reader of state) expect(reader.kept, reader.username).toBe(reader.counted);
  return state;
}

const follow = (followerId: number, followeeId: number) =>
  db.insert(follows).values({ followerId, followeeId });

describe('feed totals', () => {
  it('follow follows and articles one at a time, in either order', async () => {
    const [ann, bob, cat] = await Promise.all(
      ['ann', 'bob', 'cat'].map((username) => createUser(db, { username })),
    );
    if (!ann || !bob || !cat) throw new Error('no users');
    await createArticle(db, ann);
    await follow(cat.id, ann.id);
    await createArticle(db, ann);
    await follow(cat.id, bob.id);
    const dropped = await createArticle(db, bob);
    await follow(bob.id, ann.id);
    expect((await expectFeedExact()).map((r) => r.kept)).toEqual(['0/0', '1/2', '2/3']);
    await db.delete(articles).where(eq(articles.id, dropped.id));
    await db
      .delete(follows)
      .where(sql`${follows.followerId} = ${cat.id} and ${follows.followeeId} = ${ann.id}`);
    expect((await expectFeedExact()).map((r) => r.kept)).toEqual(['0/0', '1/2', '1/0']);
  });

  it('follow bulk follows and a bulk load of articles', async () => {
    const authors = await Promise.all(
      Array.from({ length: 6 }, (_, n) => createUser(db, { username: `author${n}` })),
    );
    const readers = await Promise.all(
      Array.from({ length: 4 }, (_, n) => createUser(db, { username: `reader${n}` })),
    );
    await db
      .insert(follows)
      .values(
        readers.flatMap((reader, r) =>
          authors.slice(r).map((author) => ({ followerId: reader.id, followeeId: author.id })),
        ),
      );
    await db
      .insert(articles)
      .values(
        authors.flatMap((author, a) => Array.from({ length: a + 1 }, (_, n) => row(author.id, n))),
      );
    const state = await expectFeedExact();
    expect(state.find((r) => r.username === 'reader0')?.kept).toBe('6/21');
    await db.delete(articles).where(sql`${articles.title} = 'Bulk 0'`);
    expect((await expectFeedExact()).find((r) => r.username === 'reader3')?.kept).toBe('3/12');
  });

  it('forget a removed author for their readers, and a removed reader', async () => {
    const [ann, bob, cat] = await Promise.all(
      ['ann', 'bob', 'cat'].map((username) => createUser(db, { username })),
    );
    if (!ann || !bob || !cat) throw new Error('no users');
    await createArticle(db, ann);
    await createArticle(db, ann);
    await createArticle(db, bob);
    await follow(cat.id, ann.id);
    await follow(cat.id, bob.id);
    await follow(bob.id, ann.id);
    await follow(ann.id, cat.id);
    // Ann goes with her articles and her follows, both ways, in one cascade.
    await db.delete(users).where(eq(users.id, ann.id));
    expect((await expectFeedExact()).map((r) => r.kept)).toEqual(['0/0', '1/1']);
    await db.delete(users).where(eq(users.id, cat.id));
    expect(await db.select().from(feedTotals)).toEqual([
      { readerId: bob.id, follows: 0, articles: 0 },
    ]);
  });

  it('forget several accounts removed in one statement, readers and authors alike', async () => {
    const [ann, bob, cat, dan] = await Promise.all(
      ['ann', 'bob', 'cat', 'dan'].map((username) => createUser(db, { username })),
    );
    if (!ann || !bob || !cat || !dan) throw new Error('no users');
    await createArticle(db, ann);
    await createArticle(db, ann);
    await createArticle(db, bob);
    for (const [reader, author] of [
      [cat, ann],
      [cat, bob],
      [bob, ann],
      [ann, cat],
      [dan, ann],
      [dan, bob],
    ] as const)
      await follow(reader.id, author.id);
    // Cat (a reader) is removed before or after Ann and Bob (her authors), in one statement.
    await db.delete(users).where(sql`${users.username} in ('ann', 'bob', 'cat')`);
    expect(await feedState()).toEqual([{ username: 'dan', kept: '0/0', counted: '0/0' }]);
    await db.delete(users);
    expect(await db.select().from(feedTotals)).toEqual([]);
  });

  it('follow an article changing hands, and start again after either TRUNCATE', async () => {
    const [ann, bob, cat] = await Promise.all(
      ['ann', 'bob', 'cat'].map((username) => createUser(db, { username })),
    );
    if (!ann || !bob || !cat) throw new Error('no users');
    await follow(cat.id, ann.id);
    const article = await createArticle(db, ann);
    await db.update(articles).set({ authorId: bob.id }).where(eq(articles.id, article.id));
    expect((await expectFeedExact()).map((r) => r.kept)).toEqual(['0/0', '0/0', '1/0']);
    await follow(cat.id, bob.id);
    await db.execute(sql`truncate ${articles} cascade`);
    expect((await expectFeedExact()).map((r) => r.kept)).toEqual(['0/0', '0/0', '2/0']);
    await createArticle(db, bob);
    await db.execute(sql`truncate ${follows}`);
    await expectFeedExact();
    await follow(cat.id, bob.id);
    expect((await expectFeedExact()).map((r) => r.kept)).toEqual(['0/0', '0/0', '1/1']);
  });

  it('stay exact with follows and articles of the same authors written at once', async () => {
    const authors = await Promise.all(
      Array.from({ length: 3 }, (_, n) => createUser(db, { username: `author${n}` })),
    );
    const readers = await Promise.all(
      Array.from({ length: 6 }, (_, n) => createUser(db, { username: `reader${n}` })),
    );
    // Readers follow while the authors write: on PostgreSQL these run on separate connections,
    // and a follow reads the author's total while an article of theirs may be committing.
    await Promise.all([
      ...readers.flatMap((reader) =>
        authors.map((author) =>
          db.transaction(async (tx) => {
            await tx.insert(follows).values({ followerId: reader.id, followeeId: author.id });
          }),
        ),
      ),
      ...authors.flatMap((author, a) =>
        Array.from({ length: 4 }, (_, n) =>
          db.transaction(async (tx) => {
            await tx.insert(articles).values(row(author.id, n));
            await tx.execute(sql`select pg_sleep(0.005)`);
            if (n === a) await tx.delete(articles).where(eq(articles.slug, row(author.id, n).slug));
          }),
        ),
      ),
    ]);
    const state = await expectFeedExact();
    expect(state.filter((r) => r.username.startsWith('reader')).map((r) => r.kept)).toEqual(
      Array.from({ length: 6 }, () => '3/9'),
    );
  });
});
