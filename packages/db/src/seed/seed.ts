/**
 * Fills a database with plausible demo data: users, follows, articles with tags, favorites and
 * comments. The same seed and options always produce the same rows (on the same starting
 * database): everything is drawn from a seeded generator and dated on a fixed calendar.
 *
 * On a database that already holds data, the seed adds beside it: seeded usernames avoid the
 * names in use and clashing slugs get a `-2`, `-3`... suffix. Everything is written in one
 * transaction, so a failed or interrupted seed leaves the database as it was.
 */
import { setImmediate } from 'node:timers/promises';
import type { Database } from '../client';
import { articles, articleTags, comments, favorites, follows, users } from '../schema/index';
import { type ArticleDraft, ArticleDrafter } from './articles';
import { drawPopulation, type FollowRow, followRows, userRows } from './population';
import { Random } from './random';
import { tagVocabulary } from './words';
import { hasArticles, renameTakenSlugs, statementBatches, takenNames, upsertTags } from './writer';

export interface SeedOptions {
  /** Accounts to create (at least 1 when there are articles). */
  users: number;
  articles: number;
  /** Any safe integer; the same seed gives the same data. */
  seed: number;
  /**
   * Where the site is served (PUBLIC_ORIGIN), for the addresses of the pictures it draws for
   * seeded users; by default the server's own default, http://localhost:3000.
   */
  origin?: string;
  /** Called after each chunk of articles, with the rows written so far (all tables). */
  onProgress?: (done: number, total: number, rows: number) => void;
  /** Aborting stops at the next chunk and rolls everything back. */
  signal?: AbortSignal;
}

/** Rows inserted per table. */
export interface SeedStats {
  users: number;
  follows: number;
  tags: number;
  articles: number;
  articleTags: number;
  favorites: number;
  comments: number;
  total: number;
}

/** The server's public origin when PUBLIC_ORIGIN is not set (apps/server config.ts). */
export const DEFAULT_ORIGIN = 'http://localhost:3000';

/** Articles drawn, then written, together; does not change the data, only memory and progress. */
const ARTICLE_CHUNK = 1_000;
const USER_CHUNK = 2_000;

export async function seedDatabase(db: Database, options: SeedOptions): Promise<SeedStats> {
  checkOptions(options);
  const stats: SeedStats = {
    users: 0,
    follows: 0,
    tags: 0,
    articles: 0,
    articleTags: 0,
    favorites: 0,
    comments: 0,
    total: 0,
  };
  // Fixed fork order: each stage has a stream of its own.
  const root = new Random(options.seed);
  const rng = {
    people: root.fork('people'),
    profiles: root.fork('profiles'),
    follows: root.fork('follows'),
    articles: root.fork('articles'),
  };
  const report = () => {
    stats.total =
      stats.users +
      stats.follows +
      stats.tags +
      stats.articles +
      stats.articleTags +
      stats.favorites +
      stats.comments;
    options.onProgress?.(stats.articles, options.articles, stats.total);
  };

  await db.transaction(async (tx) => {
    const people = drawPopulation(rng.people, options.users, await takenNames(tx));
    const userIds = await insertUsers(tx, people.usernames, (from, to) =>
      userRows(rng.profiles, people, from, to, options.origin ?? DEFAULT_ORIGIN),
    );
    stats.users = people.size;
    stats.follows = await insertFollows(tx, followRows(rng.follows, people, userIds));
    const tagsResult = await upsertTags(tx, tagVocabulary);
    stats.tags = tagsResult.inserted;
    report();

    const resolveSlugs = await hasArticles(tx);
    const drafter = new ArticleDrafter(rng.articles, people, options.articles);
    while (stats.articles < options.articles) {
      // PGlite answers through promises alone, which would starve the event loop (signals,
      // timers) for the whole run; one turn per chunk lets a Ctrl-C through.
      await setImmediate();
      options.signal?.throwIfAborted();
      const size = Math.min(ARTICLE_CHUNK, options.articles - stats.articles);
      const drafts = Array.from({ length: size }, () => drafter.next());
      const written = await writeArticles(tx, drafts, {
        userIds,
        tagIds: tagsResult.ids,
        resolveSlugs,
      });
      stats.articles += size;
      stats.articleTags += written.articleTags;
      stats.favorites += written.favorites;
      stats.comments += written.comments;
      report();
    }
  });
  return stats;
}

function checkOptions(options: SeedOptions): void {
  for (const key of ['users', 'articles'] as const) {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${key} must be a whole number >= 0, got ${value}`);
    }
  }
  if (!Number.isSafeInteger(options.seed))
    throw new RangeError(`seed must be an integer, got ${options.seed}`);
  if (options.articles > 0 && options.users < 1)
    throw new RangeError('articles need at least one user');
}

/** Inserts the users in chunks; returns their ids by population index. */
async function insertUsers(
  db: Database,
  usernames: readonly string[],
  rowsBetween: (from: number, to: number) => (typeof users.$inferInsert)[],
): Promise<Int32Array> {
  const ids = new Int32Array(usernames.length);
  const indexOf = new Map(usernames.map((name, i) => [name, i]));
  for (let from = 0; from < usernames.length; from += USER_CHUNK) {
    const rows = rowsBetween(from, Math.min(usernames.length, from + USER_CHUNK));
    for (const batch of statementBatches(rows, 8)) {
      const inserted = await db
        .insert(users)
        .values(batch)
        .returning({ id: users.id, username: users.username });
      for (const row of inserted) {
        const index = indexOf.get(row.username);
        if (index === undefined) throw new Error(`unexpected user returned: ${row.username}`);
        ids[index] = row.id;
      }
    }
  }
  return ids;
}

async function insertFollows(db: Database, rows: Iterable<FollowRow>): Promise<number> {
  let pending: FollowRow[] = [];
  let written = 0;
  const flush = async () => {
    for (const batch of statementBatches(pending, 3)) await db.insert(follows).values(batch);
    written += pending.length;
    pending = [];
  };
  for (const row of rows) {
    pending.push(row);
    if (pending.length >= 10_000) await flush();
  }
  await flush();
  return written;
}

interface ArticleContext {
  userIds: Int32Array;
  tagIds: Map<string, number>;
  /** Whether slugs may clash with articles that were there before the seed. */
  resolveSlugs: boolean;
}

/** Writes a chunk of drafted articles and everything hanging off them. */
async function writeArticles(
  db: Database,
  drafts: readonly ArticleDraft[],
  { userIds, tagIds, resolveSlugs }: ArticleContext,
): Promise<{ articleTags: number; favorites: number; comments: number }> {
  const userId = (index: number) => userIds[index] ?? 0;
  const rows = drafts.map((draft) => ({ ...draft.row, authorId: userId(draft.row.authorId) }));
  if (resolveSlugs) await renameTakenSlugs(db, rows);

  // Ids are looked up by slug rather than trusting the order of RETURNING.
  const idBySlug = new Map<string, number>();
  for (const batch of statementBatches(rows, 7)) {
    const inserted = await db
      .insert(articles)
      .values(batch)
      .returning({ id: articles.id, slug: articles.slug });
    for (const row of inserted) idBySlug.set(row.slug, row.id);
  }

  const tagLinks: (typeof articleTags.$inferInsert)[] = [];
  const favoriteRows: (typeof favorites.$inferInsert)[] = [];
  const commentRows: (typeof comments.$inferInsert)[] = [];
  drafts.forEach((draft, i) => {
    const articleId = idBySlug.get(rows[i]?.slug ?? '');
    if (articleId === undefined) throw new Error(`no id returned for article ${rows[i]?.slug}`);
    for (const tag of draft.tags) tagLinks.push({ articleId, tagId: tagIds.get(tag.name) ?? 0 });
    for (const fav of draft.favorites) {
      favoriteRows.push({ userId: userId(fav.user), articleId, createdAt: fav.createdAt });
    }
    for (const comment of draft.comments) {
      commentRows.push({
        articleId,
        authorId: userId(comment.author),
        body: comment.body,
        createdAt: comment.createdAt,
        updatedAt: comment.updatedAt,
      });
    }
  });
  for (const batch of statementBatches(tagLinks, 2)) await db.insert(articleTags).values(batch);
  for (const batch of statementBatches(favoriteRows, 3)) await db.insert(favorites).values(batch);
  for (const batch of statementBatches(commentRows, 5)) await db.insert(comments).values(batch);
  return {
    articleTags: tagLinks.length,
    favorites: favoriteRows.length,
    comments: commentRows.length,
  };
}
