// "Download my data" (issue 14, decision 021): everything Conduit holds about an account, as
// JSON its owner can keep or take elsewhere. Never a secret: no password hash, token hash, TOTP
// secret, session id or recovery code. Read page by page (keyset, by id) and held to a size
// budget, so a prolific account cannot make one request hold unbounded memory: past the budget
// the export is refused (413) rather than built.
import { listUserSessions, type SessionUser } from '@conduit/auth';
import {
  and,
  articles,
  articleTags,
  asc,
  auditLog,
  comments,
  type Database,
  desc,
  eq,
  favorites,
  follows,
  gt,
  inArray,
  sql,
  tags,
  users,
} from '@conduit/db';
import { TRPCError } from '@trpc/server';
import type { AccountExport } from '../schemas/account-export';

/** The most JSON text one export may hold: 32 MiB, hundreds of long articles, thousands of short. */
export const EXPORT_MAX_BYTES = 32 * 1024 * 1024;
/** Rows read per query. */
const PAGE = 200;
/** The newest sign-in events included (older ones are in the audit log, for admins). */
const SIGN_INS_MAX = 500;

/** Counts the JSON text added; refuses once past the budget. */
class Budget {
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}
  add<T>(row: T): T {
    this.bytes += Buffer.byteLength(JSON.stringify(row));
    if (this.bytes > this.maxBytes) {
      const mib = Number((this.maxBytes / 1024 / 1024).toPrecision(2));
      throw new TRPCError({
        code: 'PAYLOAD_TOO_LARGE',
        message: `Your data is larger than one download can hold (${mib} MiB)`,
      });
    }
    return row;
  }
}

/** Every page of a keyset-paged read, in order; `after` is the last key of the page before. */
async function readAll<T>(
  budget: Budget,
  page: (after: number) => Promise<T[]>,
  keyOf: (row: T) => number,
): Promise<T[]> {
  const all: T[] = [];
  let after = 0;
  for (;;) {
    const rows = await page(after);
    for (const row of rows) all.push(budget.add(row));
    const last = rows.at(-1);
    if (rows.length < PAGE || !last) return all;
    after = keyOf(last);
  }
}

const iso = (date: Date) => date.toISOString();

export async function exportAccount(
  db: Database,
  user: SessionUser,
  now: Date,
  maxBytes = EXPORT_MAX_BYTES,
): Promise<AccountExport> {
  const budget = new Budget(maxBytes);
  return {
    format: 'conduit-account-export',
    version: 1,
    exportedAt: iso(now),
    profile: {
      email: user.email,
      emailVerified: user.emailVerifiedAt !== null,
      emailVerifiedAt: user.emailVerifiedAt ? iso(user.emailVerifiedAt) : null,
      username: user.username,
      bio: user.bio,
      image: user.image,
      role: user.role,
      createdAt: iso(user.createdAt),
    },
    articles: await articlesOf(db, budget, user.id),
    comments: await commentsOf(db, budget, user.id),
    favorites: await favoritesOf(db, budget, user.id),
    following: await followingOf(db, budget, user.id),
    sessions: (await listUserSessions(db, user.id, now)).map((session) =>
      budget.add({
        userAgent: session.userAgent,
        ip: session.ip,
        createdAt: iso(session.createdAt),
        lastUsedAt: iso(session.lastUsedAt),
        expiresAt: iso(session.expiresAt),
      }),
    ),
    signIns: await signInsOf(db, budget, user.id),
  };
}

async function articlesOf(db: Database, budget: Budget, userId: number) {
  const rows = await readAll(
    budget,
    async (after) => {
      const page = await db
        .select({
          id: articles.id,
          slug: articles.slug,
          title: articles.title,
          description: articles.description,
          body: articles.body,
          favoritesCount: sql<number>`(select count(*) from ${favorites} where ${favorites.articleId} = ${articles.id})::int`,
          createdAt: articles.createdAt,
          updatedAt: articles.updatedAt,
        })
        .from(articles)
        .where(and(eq(articles.authorId, userId), gt(articles.id, after)))
        .orderBy(asc(articles.id))
        .limit(PAGE);
      const tagsOf = await tagListsOf(
        db,
        page.map((article) => article.id),
      );
      return page.map(({ createdAt, updatedAt, ...article }) => ({
        ...article,
        tagList: tagsOf.get(article.id) ?? [],
        createdAt: iso(createdAt),
        updatedAt: iso(updatedAt),
      }));
    },
    (article) => article.id,
  );
  return rows.map(({ id: _id, ...article }) => article);
}

async function tagListsOf(db: Database, articleIds: number[]): Promise<Map<number, string[]>> {
  const lists = new Map<number, string[]>();
  if (articleIds.length === 0) return lists;
  const rows = await db
    .select({ articleId: articleTags.articleId, name: tags.name })
    .from(articleTags)
    .innerJoin(tags, eq(tags.id, articleTags.tagId))
    .where(inArray(articleTags.articleId, articleIds))
    .orderBy(asc(tags.name));
  for (const { articleId, name } of rows)
    lists.set(articleId, [...(lists.get(articleId) ?? []), name]);
  return lists;
}

function commentsOf(db: Database, budget: Budget, userId: number) {
  return readAll(
    budget,
    async (after) =>
      (
        await db
          .select({
            id: comments.id,
            articleSlug: articles.slug,
            body: comments.body,
            createdAt: comments.createdAt,
          })
          .from(comments)
          .innerJoin(articles, eq(articles.id, comments.articleId))
          .where(and(eq(comments.authorId, userId), gt(comments.id, after)))
          .orderBy(asc(comments.id))
          .limit(PAGE)
      ).map((row) => ({ ...row, createdAt: iso(row.createdAt) })),
    (comment) => comment.id,
  );
}

async function favoritesOf(db: Database, budget: Budget, userId: number) {
  const rows = await readAll(
    budget,
    async (after) =>
      (
        await db
          .select({
            articleId: favorites.articleId,
            articleSlug: articles.slug,
            favoritedAt: favorites.createdAt,
          })
          .from(favorites)
          .innerJoin(articles, eq(articles.id, favorites.articleId))
          .where(and(eq(favorites.userId, userId), gt(favorites.articleId, after)))
          .orderBy(asc(favorites.articleId))
          .limit(PAGE)
      ).map((row) => ({ ...row, favoritedAt: iso(row.favoritedAt) })),
    (favorite) => favorite.articleId,
  );
  return rows.map(({ articleId: _id, ...favorite }) => favorite);
}

async function followingOf(db: Database, budget: Budget, userId: number) {
  const rows = await readAll(
    budget,
    async (after) =>
      (
        await db
          .select({ id: follows.followeeId, username: users.username, since: follows.createdAt })
          .from(follows)
          .innerJoin(users, eq(users.id, follows.followeeId))
          .where(and(eq(follows.followerId, userId), gt(follows.followeeId, after)))
          .orderBy(asc(follows.followeeId))
          .limit(PAGE)
      ).map((row) => ({ ...row, since: iso(row.since) })),
    (followed) => followed.id,
  );
  return rows.map(({ id: _id, ...followed }) => followed);
}

/** The account's own sign-in events (and sign-outs, password changes), newest first. */
async function signInsOf(db: Database, budget: Budget, userId: number) {
  const rows = await db
    .select({
      action: auditLog.action,
      at: auditLog.at,
      ip: auditLog.ip,
      userAgent: auditLog.userAgent,
    })
    .from(auditLog)
    .where(and(eq(auditLog.actorId, userId), sql`${auditLog.action} like 'auth.%'`))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(SIGN_INS_MAX);
  return rows.map((row) => budget.add({ ...row, at: iso(row.at) }));
}
