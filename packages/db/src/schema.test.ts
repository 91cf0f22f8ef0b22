import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './client';
import { uniqueViolation } from './errors';
import {
  articles,
  articleTags,
  auditLog,
  comments,
  favorites,
  follows,
  sessions,
  tags,
  users,
} from './schema/index';
import { createArticle, createUser, getTestDb, resetDb } from './testing';

let db: Database;

beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const insertUser = (username: string, email = `${username}@example.com`) =>
  createUser(db, { username, email });
const insertArticle = (authorId: number, slug: string) =>
  createArticle(db, { id: authorId }, { slug });

/** The unique or check constraint a failed statement violated, whichever driver raised it. */
async function violatedConstraint(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
  } catch (error) {
    const unique = uniqueViolation(error);
    if (unique) return unique;
    const cause = (error as { cause?: { constraint?: string; constraint_name?: string } }).cause;
    return cause?.constraint ?? cause?.constraint_name ?? String(error);
  }
  throw new Error('statement succeeded but should have violated a constraint');
}

describe('users', () => {
  it('refuses a username that differs only in case', async () => {
    await insertUser('Alice', 'alice@example.com');
    expect(await violatedConstraint(insertUser('alice', 'other@example.com'))).toBe(
      'users_username_lower_key',
    );
  });

  it('refuses an email that differs only in case', async () => {
    await insertUser('alice', 'Alice@Example.com');
    expect(await violatedConstraint(insertUser('bob', 'alice@example.COM'))).toBe(
      'users_email_lower_key',
    );
  });

  it('refuses usernames outside 1-32 letters, digits, _ and -', async () => {
    expect(await violatedConstraint(insertUser('has space'))).toBe('users_username_format');
    expect(await violatedConstraint(insertUser('x'.repeat(33)))).toBe('users_username_format');
    await expect(insertUser('ok_name-1')).resolves.toMatchObject({ role: 'user' });
  });

  it('refuses an image that is not an http(s) URL and an unknown role', async () => {
    const user = await insertUser('carol');
    expect(
      await violatedConstraint(
        db.update(users).set({ image: 'javascript:alert(1)' }).where(eq(users.id, user.id)),
      ),
    ).toBe('users_image_url');
    expect(
      await violatedConstraint(
        db.execute(sql`update users set role = 'root' where id = ${user.id}`),
      ),
    ).toBe('users_role_known');
  });

  it('deleting a user removes their sessions, articles, comments, follows and favorites, and keeps the audit trail', async () => {
    const alice = await insertUser('alice');
    const bob = await insertUser('bob');
    const article = await insertArticle(alice.id, 'by-alice');
    const bobs = await insertArticle(bob.id, 'by-bob');
    await db.insert(sessions).values({
      id: 's1',
      secretHash: new Uint8Array(32),
      userId: alice.id,
      expiresAt: new Date(Date.now() + 1000),
    });
    await db.insert(comments).values({ articleId: bobs.id, authorId: alice.id, body: 'hi' });
    await db.insert(favorites).values({ userId: bob.id, articleId: article.id });
    await db.insert(follows).values({ followerId: bob.id, followeeId: alice.id });
    await db.insert(auditLog).values({ actorId: alice.id, action: 'auth.login.ok' });

    await db.delete(users).where(eq(users.id, alice.id));

    expect(await db.select().from(sessions)).toEqual([]);
    expect((await db.select().from(articles)).map((a) => a.slug)).toEqual(['by-bob']);
    expect(await db.select().from(comments)).toEqual([]);
    expect(await db.select().from(favorites)).toEqual([]);
    expect(await db.select().from(follows)).toEqual([]);
    const [entry] = await db.select().from(auditLog);
    expect(entry).toMatchObject({ action: 'auth.login.ok', actorId: null });
  });
});

describe('articles', () => {
  it('keeps slugs unique', async () => {
    const alice = await insertUser('alice');
    await insertArticle(alice.id, 'same');
    expect(await violatedConstraint(insertArticle(alice.id, 'same'))).toBe('articles_slug_key');
  });

  it('deleting an article removes its tags links, comments and favorites but keeps the tags', async () => {
    const alice = await insertUser('alice');
    const article = await insertArticle(alice.id, 'a');
    const [tag] = await db.insert(tags).values({ name: 'dragons' }).returning();
    if (!tag) throw new Error('no tag');
    await db.insert(articleTags).values({ articleId: article.id, tagId: tag.id });
    await db.insert(comments).values({ articleId: article.id, authorId: alice.id, body: 'mine' });
    await db.insert(favorites).values({ userId: alice.id, articleId: article.id });

    await db.delete(articles).where(eq(articles.id, article.id));

    expect(await db.select().from(articleTags)).toEqual([]);
    expect(await db.select().from(comments)).toEqual([]);
    expect(await db.select().from(favorites)).toEqual([]);
    expect((await db.select().from(tags)).map((t) => t.name)).toEqual(['dragons']);
  });

  it('refuses a favorite twice, a self-follow and an empty comment', async () => {
    const alice = await insertUser('alice');
    const article = await insertArticle(alice.id, 'a');
    await db.insert(favorites).values({ userId: alice.id, articleId: article.id });
    expect(
      await violatedConstraint(
        db.insert(favorites).values({ userId: alice.id, articleId: article.id }),
      ),
    ).toBe('favorites_user_id_article_id_pk');
    expect(
      await violatedConstraint(
        db.insert(follows).values({ followerId: alice.id, followeeId: alice.id }),
      ),
    ).toBe('follows_not_self');
    expect(
      await violatedConstraint(
        db.insert(comments).values({ articleId: article.id, authorId: alice.id, body: '' }),
      ),
    ).toBe('comments_body_length');
  });
});

describe('migrations', () => {
  it('are idempotent: running them again changes nothing', async () => {
    const conn = await getTestDb();
    await insertUser('keeper');
    await conn.migrate();
    expect((await db.select().from(users)).map((u) => u.username)).toEqual(['keeper']);
  });
});

afterAll(() => resetDb(db));
