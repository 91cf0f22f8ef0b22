import { auditLog, comments, type Database, eq, type Role, users } from '@conduit/db';
import { createArticle, getTestDb, recordQueries, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, signUp } from '../../test/callers';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

/** The fields a 400 names, as the error formatter reports them. */
async function refusedFields(call: Promise<unknown>): Promise<string[]> {
  const error = await failure(call);
  expect(error.code).toBe('BAD_REQUEST');
  const cause = error.cause;
  if (cause && 'issues' in cause && Array.isArray(cause.issues)) {
    return cause.issues.map((issue: { path: PropertyKey[] }) => issue.path.join('.'));
  }
  if (cause && 'fields' in cause && cause.fields && typeof cause.fields === 'object') {
    return Object.keys(cause.fields);
  }
  return [];
}

/** A signed-up account with its id, and the role asked for. */
async function account(username: string, role: Role = 'user') {
  const signedUp = await signUp(db, { username });
  const [row] = await db
    .update(users)
    .set({ role })
    .where(eq(users.username, username))
    .returning({ id: users.id });
  if (!row) throw new Error(`no user ${username}`);
  return { ...signedUp, id: row.id };
}

const anonymous = () => callerFor(db);

describe('comment.create and comment.list', () => {
  it('adds a trimmed comment with the RealWorld shape, and lists comments oldest first', async () => {
    const jake = await account('jake');
    const article = await createArticle(db, jake, { slug: 'dragons' });
    const { comment } = await jake.caller.comment.create({ slug: 'dragons', body: '  First!  ' });
    expect(comment).toEqual({
      id: expect.any(Number),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: comment.createdAt,
      body: 'First!',
      author: { username: 'jake', bio: null, image: null, following: false },
    });
    await jake.caller.comment.create({ slug: 'dragons', body: 'Second' });
    await jake.caller.comment.create({ slug: 'dragons', body: 'Third' });
    // Another article's comments stay there.
    const other = await createArticle(db, jake, { slug: 'other' });
    await jake.caller.comment.create({ slug: other.slug, body: 'Elsewhere' });

    const listed = await anonymous().comment.list({ slug: article.slug });
    expect(listed.comments.map((c) => c.body)).toEqual(['First!', 'Second', 'Third']);
    expect(listed.comments[0]).toEqual(comment);
    expect(listed.nextCursor).toBeNull();
  });

  it("shows whether the reader follows each comment's author", async () => {
    const author = await account('author');
    const fan = await account('fan');
    await createArticle(db, author, { slug: 'followed' });
    await author.caller.comment.create({ slug: 'followed', body: 'By the author' });
    await fan.caller.comment.create({ slug: 'followed', body: 'By the fan' });
    await fan.caller.profile.follow({ username: 'author' });

    const following = async (caller: ReturnType<typeof callerFor>) =>
      (await caller.comment.list({ slug: 'followed' })).comments.map((c) => c.author.following);
    expect(await following(fan.caller)).toEqual([true, false]);
    expect(await following(author.caller)).toEqual([false, false]);
    expect(await following(anonymous())).toEqual([false, false]);
  });

  it('refuses anonymous writers (401), unknown articles (404) and bad bodies (400 naming body)', async () => {
    const jake = await account('jake');
    await createArticle(db, jake, { slug: 'dragons' });
    expect(await codeOf(anonymous().comment.create({ slug: 'dragons', body: 'Hi' }))).toBe(
      'UNAUTHORIZED',
    );
    expect(await codeOf(jake.caller.comment.create({ slug: 'nowhere', body: 'Hi' }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(anonymous().comment.list({ slug: 'nowhere' }))).toBe('NOT_FOUND');
    for (const body of ['', '   \n\t ', 'x'.repeat(10_001), '😀'.repeat(10_001)]) {
      expect(await refusedFields(jake.caller.comment.create({ slug: 'dragons', body }))).toEqual([
        'body',
      ]);
    }
    expect(await db.select().from(comments)).toEqual([]);
    // The limit counts characters (code points), as the database does: 10000 emoji fit.
    const long = await jake.caller.comment.create({ slug: 'dragons', body: '😀'.repeat(10_000) });
    expect([...long.comment.body]).toHaveLength(10_000);
  });

  it('pages through long threads with nextCursor, in order, without gaps or repeats', async () => {
    const jake = await account('jake');
    const article = await createArticle(db, jake, { slug: 'long' });
    // Written in one statement: equal timestamps, so the id must break ties.
    await db.insert(comments).values(
      Array.from({ length: 7 }, (_, i) => ({
        articleId: article.id,
        authorId: jake.id,
        body: `c${i}`,
      })),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await anonymous().comment.list({ slug: 'long', limit: 3, cursor });
      seen.push(...page.comments.map((c) => c.body));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(pages).toBe(3);
    expect(await refusedFields(anonymous().comment.list({ slug: 'long', cursor: 'nope' }))).toEqual(
      ['cursor'],
    );
    expect(await refusedFields(anonymous().comment.list({ slug: 'long', limit: 501 }))).toEqual([
      'limit',
    ]);
  });

  it('lists in a fixed number of SQL statements, whatever the number of comments', async () => {
    const jake = await account('jake');
    const reader = await account('reader');
    const few = await createArticle(db, jake, { slug: 'few' });
    const many = await createArticle(db, jake, { slug: 'many' });
    const commenters = [jake, reader];
    const rows = (articleId: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        articleId,
        authorId: commenters[i % 2]?.id ?? jake.id,
        body: `comment ${i}`,
      }));
    await db.insert(comments).values([...rows(few.id, 1), ...rows(many.id, 50)]);

    const one = await recordQueries(() => reader.caller.comment.list({ slug: 'few' }));
    const fifty = await recordQueries(() => reader.caller.comment.list({ slug: 'many' }));
    expect(one.result.comments).toHaveLength(1);
    expect(fifty.result.comments).toHaveLength(50);
    expect(fifty.queries.length).toBe(one.queries.length);
    // Session check + article + comments with their authors.
    expect(one.queries.length).toBeLessThanOrEqual(3);
  });
});

describe('comment.delete', () => {
  async function thread() {
    const author = await account('author');
    const commenter = await account('commenter');
    const article = await createArticle(db, author, { slug: 'thread' });
    const { comment } = await commenter.caller.comment.create({ slug: 'thread', body: 'Mine' });
    return { author, commenter, article, comment };
  }
  const bodies = async () =>
    (await anonymous().comment.list({ slug: 'thread' })).comments.map((c) => c.body);
  const auditEntries = () =>
    db.select().from(auditLog).where(eq(auditLog.action, 'moderation.comment.delete'));

  it('lets the author delete their comment, without an audit entry', async () => {
    const { commenter, comment } = await thread();
    expect(await commenter.caller.comment.delete({ slug: 'thread', id: comment.id })).toEqual({
      id: comment.id,
    });
    expect(await bodies()).toEqual([]);
    expect(await auditEntries()).toEqual([]);
    // Gone: deleting again is a 404.
    expect(await codeOf(commenter.caller.comment.delete({ slug: 'thread', id: comment.id }))).toBe(
      'NOT_FOUND',
    );
  });

  it('refuses anyone else without the role (403), even the article author, and anonymous (401)', async () => {
    const { author, comment } = await thread();
    const stranger = await account('stranger');
    for (const caller of [author.caller, stranger.caller]) {
      expect(
        await codeOf(caller.comment.delete({ slug: 'thread', id: comment.id, reason: 'x' })),
      ).toBe('FORBIDDEN');
    }
    expect(await codeOf(anonymous().comment.delete({ slug: 'thread', id: comment.id }))).toBe(
      'UNAUTHORIZED',
    );
    expect(await bodies()).toEqual(['Mine']);
  });

  it('lets moderators and admins delete with a reason, which goes to the audit log', async () => {
    const { commenter, comment } = await thread();
    const mod = await account('mod', 'moderator');
    for (const reason of [undefined, '', '   ']) {
      expect(
        await refusedFields(mod.caller.comment.delete({ slug: 'thread', id: comment.id, reason })),
      ).toEqual(['reason']);
    }
    expect(
      await refusedFields(
        mod.caller.comment.delete({ slug: 'thread', id: comment.id, reason: 'x'.repeat(501) }),
      ),
    ).toEqual(['reason']);
    expect(await bodies()).toEqual(['Mine']);

    await mod.caller.comment.delete({ slug: 'thread', id: comment.id, reason: ' Spam ' });
    expect(await bodies()).toEqual([]);
    const [entry, ...more] = await auditEntries();
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actorId: mod.id,
      targetType: 'comment',
      targetId: String(comment.id),
      ip: '203.0.113.7',
      details: { reason: 'Spam', articleSlug: 'thread', author: 'commenter' },
    });

    const admin = await account('admin', 'admin');
    const { comment: second } = await commenter.caller.comment.create({
      slug: 'thread',
      body: 'Again',
    });
    await admin.caller.comment.delete({ slug: 'thread', id: second.id, reason: 'Off topic' });
    expect(await bodies()).toEqual([]);
    expect(await auditEntries()).toHaveLength(2);
  });

  it('answers 404 for an unknown article, an unknown comment, or a comment of another article', async () => {
    const { author, commenter, comment } = await thread();
    await createArticle(db, author, { slug: 'elsewhere' });
    const mod = await account('mod', 'moderator');
    for (const caller of [commenter.caller, mod.caller]) {
      for (const input of [
        { slug: 'nowhere', id: comment.id },
        { slug: 'thread', id: comment.id + 1000 },
        { slug: 'elsewhere', id: comment.id },
      ]) {
        expect(await codeOf(caller.comment.delete({ ...input, reason: 'r' }))).toBe('NOT_FOUND');
      }
    }
    expect(
      await refusedFields(commenter.caller.comment.delete({ slug: 'thread', id: 2 ** 31 })),
    ).toEqual(['id']);
    expect(await bodies()).toEqual(['Mine']);
  });
});
