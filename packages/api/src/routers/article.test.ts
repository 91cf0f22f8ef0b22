import { auditLog, type Database, eq, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, failure, refusedFields, signUp } from '../../test/callers';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const draft = {
  title: 'How to train your dragon',
  description: 'Ever wonder how?',
  body: 'You have to *believe*.',
  tagList: ['dragons', 'training'],
};

async function moderator(username = 'mod') {
  const account = await signUp(db, { username });
  await db.update(users).set({ role: 'moderator' }).where(eq(users.username, username));
  return account;
}

describe('article.create and article.get', () => {
  it('creates an article with the RealWorld shape and reads it back, with rendered body', async () => {
    const author = await signUp(db, { username: 'jake' });
    const { article } = await author.caller.article.create(draft);
    expect(article).toEqual({
      slug: 'how-to-train-your-dragon',
      title: draft.title,
      description: draft.description,
      body: draft.body,
      bodyHtml: '<p>You have to <em>believe</em>.</p>\n',
      tagList: ['dragons', 'training'],
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      updatedAt: article.createdAt,
      favorited: false,
      favoritesCount: 0,
      author: { username: 'jake', bio: null, image: null, following: false },
    });
    const { bodyHtml, ...source } = article;
    expect(await callerFor(db).article.get({ slug: article.slug })).toEqual({ article: source });
    const { body: _body, ...rendered } = article;
    expect(await callerFor(db).article.view({ slug: article.slug })).toEqual({
      article: { ...rendered, bodyHtml },
    });
  });

  it('normalises the tag list: trimmed, lower-cased, deduplicated, empty ones dropped, sorted', async () => {
    const author = await signUp(db);
    const { article } = await author.caller.article.create({
      ...draft,
      tagList: ['  Zig ', 'zig', '', '   ', 'Ada', 'ADA'],
    });
    expect(article.tagList).toEqual(['ada', 'zig']);
    expect((await callerFor(db).tag.list()).tags).toEqual(['ada', 'zig']);
  });

  it('creates the same new tags from concurrent requests without losing or doubling any', async () => {
    const { caller } = await signUp(db);
    const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        caller.article.create({ ...draft, tagList: i % 2 ? names : [...names].reverse() }),
      ),
    );
    for (const { article } of created) expect(article.tagList).toEqual([...names].sort());
    expect((await callerFor(db).tag.list()).tags).toEqual([...names].sort());
  });

  it('accepts a missing tag list as none', async () => {
    const author = await signUp(db);
    const { tagList: _, ...withoutTags } = draft;
    expect((await author.caller.article.create(withoutTags)).article.tagList).toEqual([]);
  });

  it('refuses anonymous writers (401)', async () => {
    expect((await failure(callerFor(db).article.create(draft))).code).toBe('UNAUTHORIZED');
  });

  it('refuses bad input with 400 naming the field', async () => {
    const { caller } = await signUp(db);
    expect(await refusedFields(caller.article.create({ ...draft, title: '   ' }))).toEqual([
      'title',
    ]);
    expect(await refusedFields(caller.article.create({ ...draft, body: '' }))).toEqual(['body']);
    expect(
      await refusedFields(caller.article.create({ ...draft, description: 'x'.repeat(1001) })),
    ).toEqual(['description']);
    const eleven = Array.from({ length: 11 }, (_, i) => `tag${i}`);
    expect(await refusedFields(caller.article.create({ ...draft, tagList: eleven }))).toEqual([
      'tagList',
    ]);
    expect(
      await refusedFields(caller.article.create({ ...draft, tagList: ['x'.repeat(33)] })),
    ).toEqual(['tagList']);
    // Ten distinct tags of 32 characters are fine, and duplicates do not count twice.
    const ten = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(32, 'x'));
    const { article } = await caller.article.create({ ...draft, tagList: [...ten, ten[0] ?? ''] });
    expect(article.tagList).toHaveLength(10);
  });

  it('serves hostile Markdown as inert HTML, keeping the source as written', async () => {
    const { caller } = await signUp(db);
    const body = [
      '## Hello',
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '[x](javascript:alert(1))',
      '<a href="javascript:alert(1)">y</a>',
      '<iframe src="https://evil.example"></iframe>',
      '<svg onload=alert(1)></svg>',
    ].join('\n\n');
    const { article } = await caller.article.create({ ...draft, body });
    const { article: source } = await callerFor(db).article.get({ slug: article.slug });
    expect(source.body).toBe(body);
    const { article: read } = await callerFor(db).article.view({ slug: article.slug });
    expect(read.bodyHtml).toContain('<h2>Hello</h2>');
    for (const sign of ['<script', 'onerror', 'javascript:', '<iframe', '<svg', 'onload']) {
      expect(read.bodyHtml).not.toContain(sign);
    }
  });

  it('answers 404 for an unknown slug', async () => {
    for (const read of ['get', 'view'] as const) {
      const error = await failure(callerFor(db).article[read]({ slug: 'no-such-article' }));
      expect(error.code).toBe('NOT_FOUND');
    }
  });

  it('sends the page only the rendering and the editor (and REST) only the source', async () => {
    const { caller } = await signUp(db);
    const body = `## Long\n\n${'A paragraph with *emphasis* and [a link](https://example.com). '.repeat(40)}`;
    const { article: written } = await caller.article.create({ ...draft, body });
    const reader = callerFor(db);
    const { article: source } = await reader.article.get({ slug: written.slug });
    const { article: view } = await reader.article.view({ slug: written.slug });
    // The write answers both forms; each read answers one.
    const { body: _body, ...rendered } = written;
    const { bodyHtml: _html, ...markdown } = written;
    expect(view).toEqual(rendered);
    expect(source).toEqual(markdown);
    expect(view).not.toHaveProperty('body');
    expect(source).not.toHaveProperty('bodyHtml');
    // Each about half of both together for a long article.
    const size = (value: unknown) => JSON.stringify(value).length;
    expect(size(view)).toBeLessThan(size(written) * 0.7);
    expect(size(source)).toBeLessThan(size(written) * 0.7);
  });
});

describe('slugs', () => {
  it('makes readable slugs of titles in any script; symbols and emoji are dropped', async () => {
    const { caller } = await signUp(db);
    const slugOf = async (title: string) =>
      (await caller.article.create({ ...draft, title })).article.slug;
    expect(await slugOf('Καλημέρα κόσμε')).toBe('καλημέρα-κόσμε');
    expect(await slugOf('你好 世界')).toBe('你好-世界');
    expect(await slugOf('Ünïcödé Çafé')).toBe('unicode-cafe');
    expect(await slugOf('🚀🔥')).toBe('article');
    expect(await slugOf('Rust 🚀 in production!')).toBe('rust-in-production');
  });

  it('takes a slug as given: never percent-decoded (a URL path is decoded once, by the server)', async () => {
    const { caller } = await signUp(db);
    const { article } = await caller.article.create({ ...draft, title: 'Καλημέρα κόσμε' });
    expect((await callerFor(db).article.get({ slug: article.slug })).article.title).toBe(
      'Καλημέρα κόσμε',
    );
    const encoded = encodeURIComponent(article.slug);
    expect(encoded).toMatch(/^%CE/);
    await expect(callerFor(db).article.get({ slug: encoded })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it.each([
    ['a NUL', 'a\u0000b'],
    ['a lone surrogate', 'a\ud800b'],
  ])('answers a slug with %s as any unknown slug, on every lookup', async (_, slug) => {
    const { caller } = await signUp(db);
    for (const call of [
      () => callerFor(db).article.get({ slug }),
      () => caller.article.favorite({ slug }),
      () => caller.article.unfavorite({ slug }),
      () => caller.article.update({ slug, body: 'new' }),
      () => caller.article.delete({ slug }),
      () => callerFor(db).comment.list({ slug }),
      () => caller.comment.create({ slug, body: 'hi' }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('adds a suffix on collision, also when the same title is posted concurrently', async () => {
    const { caller } = await signUp(db);
    const first = await caller.article.create({ ...draft, title: 'Same title' });
    const second = await caller.article.create({ ...draft, title: 'same TITLE!' });
    expect([first.article.slug, second.article.slug]).toEqual(['same-title', 'same-title-2']);

    const concurrent = await Promise.all(
      Array.from({ length: 6 }, () => caller.article.create({ ...draft, title: 'Busy title' })),
    );
    const slugs = concurrent.map((r) => r.article.slug).sort();
    expect(new Set(slugs).size).toBe(6);
    expect(slugs).toContain('busy-title');
    for (const slug of slugs) expect(slug).toMatch(/^busy-title(-[a-z0-9]+)?$/);
  });

  it('changes the slug when the title changes, and keeps it when only punctuation changes', async () => {
    const { caller } = await signUp(db);
    await caller.article.create({ ...draft, title: 'Taken' });
    const { article } = await caller.article.create({ ...draft, title: 'Original' });

    const renamed = await caller.article.update({ slug: article.slug, title: 'Original!' });
    expect(renamed.article.slug).toBe('original');
    const moved = await caller.article.update({ slug: 'original', title: 'Taken' });
    expect(moved.article).toMatchObject({ slug: 'taken-2', title: 'Taken' });
    // The old slug still leads to the article, which says its current one (decision 031).
    expect((await callerFor(db).article.get({ slug: 'original' })).article.slug).toBe('taken-2');
    expect((await callerFor(db).article.get({ slug: 'taken-2' })).article.title).toBe('Taken');
  });
});

describe('article.update', () => {
  it('lets the author change fields and replace the tag list', async () => {
    const { caller } = await signUp(db);
    const { article } = await caller.article.create(draft);
    const { article: updated } = await caller.article.update({
      slug: article.slug,
      body: '# New body',
      tagList: ['Fresh'],
    });
    expect(updated).toMatchObject({
      slug: article.slug,
      title: draft.title,
      description: draft.description,
      body: '# New body',
      bodyHtml: '<h1>New body</h1>\n',
      tagList: ['fresh'],
    });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(article.updatedAt));
    expect((await callerFor(db).tag.list()).tags).toEqual(['fresh']);
  });

  it('refuses other users (403) and anonymous callers (401), and lets moderators edit', async () => {
    const author = await signUp(db);
    const { article } = await author.caller.article.create(draft);
    const other = await signUp(db);
    const edit = { slug: article.slug, title: 'Hijacked' };
    expect((await failure(other.caller.article.update(edit))).code).toBe('FORBIDDEN');
    expect((await failure(callerFor(db).article.update(edit))).code).toBe('UNAUTHORIZED');
    expect((await callerFor(db).article.get({ slug: article.slug })).article.title).toBe(
      draft.title,
    );

    const mod = await moderator();
    const { article: moderated } = await mod.caller.article.update({
      slug: article.slug,
      body: 'Cleaned up',
    });
    expect(moderated).toMatchObject({
      body: 'Cleaned up',
      author: { username: author.user.username },
    });
  });

  it('answers 404 for an unknown slug and 400 for an empty title', async () => {
    const { caller } = await signUp(db);
    expect((await failure(caller.article.update({ slug: 'nope', body: 'x' }))).code).toBe(
      'NOT_FOUND',
    );
    const { article } = await caller.article.create(draft);
    expect(await refusedFields(caller.article.update({ slug: article.slug, title: '' }))).toEqual([
      'title',
    ]);
  });
});

describe('article.delete', () => {
  it('lets the author delete, after which the article is gone (404)', async () => {
    const { caller } = await signUp(db);
    const { article } = await caller.article.create(draft);
    expect(await caller.article.delete({ slug: article.slug })).toEqual({ slug: article.slug });
    expect((await failure(caller.article.get({ slug: article.slug }))).code).toBe('NOT_FOUND');
    expect((await failure(caller.article.delete({ slug: article.slug }))).code).toBe('NOT_FOUND');
    expect(
      await db.select().from(auditLog).where(eq(auditLog.action, 'moderation.article.delete')),
    ).toEqual([]);
  });

  it('refuses other users (403) and anonymous callers (401)', async () => {
    const author = await signUp(db);
    const { article } = await author.caller.article.create(draft);
    const other = await signUp(db);
    expect((await failure(other.caller.article.delete({ slug: article.slug }))).code).toBe(
      'FORBIDDEN',
    );
    expect(
      (await failure(other.caller.article.delete({ slug: article.slug, reason: 'spam' }))).code,
    ).toBe('FORBIDDEN');
    expect((await failure(callerFor(db).article.delete({ slug: article.slug }))).code).toBe(
      'UNAUTHORIZED',
    );
    expect((await callerFor(db).article.get({ slug: article.slug })).article.slug).toBe(
      article.slug,
    );
  });

  it('lets a moderator remove any article with a reason, which is audited', async () => {
    const author = await signUp(db, { username: 'spammer' });
    const { article } = await author.caller.article.create({ ...draft, title: 'Buy now' });
    const mod = await moderator('warden');

    expect(await refusedFields(mod.caller.article.delete({ slug: article.slug }))).toEqual([
      'reason',
    ]);
    expect(
      await refusedFields(mod.caller.article.delete({ slug: article.slug, reason: '  ' })),
    ).toEqual(['reason']);
    expect((await callerFor(db).article.get({ slug: article.slug })).article.slug).toBe('buy-now');

    await mod.caller.article.delete({ slug: article.slug, reason: 'Spam' });
    expect((await failure(callerFor(db).article.get({ slug: 'buy-now' }))).code).toBe('NOT_FOUND');
    const entries = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'moderation.article.delete'));
    const [warden] = await db.select().from(users).where(eq(users.username, 'warden'));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorId: warden?.id,
      targetType: 'article',
      ip: '203.0.113.7',
      details: { reason: 'Spam', slug: 'buy-now', title: 'Buy now', author: 'spammer' },
    });
  });

  // Found by the fuzz suite on PostgreSQL: the edit locked the article's row and then the queue of
  // article writes (migration 0002), the deletion the queue and then the row: a deadlock, 500.
  it('meets an edit of the same article’s tags without a deadlock, whichever comes first', async () => {
    const { caller } = await signUp(db);
    for (let round = 0; round < 10; round++) {
      const { article } = await caller.article.create({ ...draft, title: `Round ${round}` });
      const [edit, removal] = await Promise.allSettled([
        caller.article.update({ slug: article.slug, tagList: ['retagged'] }),
        caller.article.delete({ slug: article.slug }),
      ]);
      expect(removal.status).toBe('fulfilled');
      // After the deletion, the edit finds nothing to change.
      if (edit.status === 'rejected')
        expect((await failure(Promise.reject(edit.reason))).code).toBe('NOT_FOUND');
    }
  });
});

describe('article.favorite and article.unfavorite', () => {
  it('favorites and unfavorites idempotently, with exact flags and counts', async () => {
    const author = await signUp(db);
    const { article } = await author.caller.article.create(draft);
    const fan = await signUp(db);
    const { slug } = article;

    for (let i = 0; i < 2; i++) {
      expect((await fan.caller.article.favorite({ slug })).article).toMatchObject({
        favorited: true,
        favoritesCount: 1,
      });
    }
    expect((await author.caller.article.get({ slug })).article).toMatchObject({
      favorited: false,
      favoritesCount: 1,
    });
    expect((await callerFor(db).article.list({ favorited: fan.user.username })).articlesCount).toBe(
      1,
    );
    for (let i = 0; i < 2; i++) {
      expect((await fan.caller.article.unfavorite({ slug })).article).toMatchObject({
        favorited: false,
        favoritesCount: 0,
      });
    }
  });

  it('refuses anonymous callers (401) and unknown slugs (404)', async () => {
    const { caller } = await signUp(db);
    expect((await failure(callerFor(db).article.favorite({ slug: 'x' }))).code).toBe(
      'UNAUTHORIZED',
    );
    expect((await failure(caller.article.favorite({ slug: 'x' }))).code).toBe('NOT_FOUND');
    expect((await failure(caller.article.unfavorite({ slug: 'x' }))).code).toBe('NOT_FOUND');
  });

  it('counts exactly when 20 users favorite one article at once', async () => {
    const author = await signUp(db);
    const { article } = await author.caller.article.create(draft);
    const fans = await Promise.all(Array.from({ length: 20 }, () => signUp(db)));

    const answers = await Promise.all(
      fans.map((fan) => fan.caller.article.favorite({ slug: article.slug })),
    );
    for (const { article: seen } of answers) expect(seen.favorited).toBe(true);
    for (const fan of fans) {
      expect((await fan.caller.article.get({ slug: article.slug })).article).toMatchObject({
        favorited: true,
        favoritesCount: 20,
      });
    }
  });

  it('ends consistent when one user favorites and unfavorites at once', async () => {
    const author = await signUp(db);
    const { article } = await author.caller.article.create(draft);
    const fan = await signUp(db);
    const { slug } = article;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? fan.caller.article.favorite({ slug })
          : fan.caller.article.unfavorite({ slug }),
      ),
    );
    const { article: after } = await fan.caller.article.get({ slug });
    expect(after.favoritesCount).toBe(after.favorited ? 1 : 0);
    const { articlesCount } = await callerFor(db).article.list({ favorited: fan.user.username });
    expect(articlesCount).toBe(after.favoritesCount);
  });

  // Found by the fuzz suite racing writes on PostgreSQL: the favorite's insert read the article,
  // then its foreign key found it deleted, and the violation answered 500.
  it('answers 404 for a favorite of an article removed at the same moment', async () => {
    const author = await signUp(db);
    const fan = await signUp(db);
    // A moderator's removal writes the audit log in its transaction: a wider window.
    const mod = await moderator();
    for (let round = 0; round < 20; round++) {
      const { article } = await author.caller.article.create({ ...draft, title: `Round ${round}` });
      const [favorite, removal] = await Promise.allSettled([
        fan.caller.article.favorite({ slug: article.slug }),
        mod.caller.article.delete({ slug: article.slug, reason: 'Spam' }),
      ]);
      expect(removal.status).toBe('fulfilled');
      if (favorite.status === 'rejected') {
        expect((await failure(Promise.reject(favorite.reason))).code).toBe('NOT_FOUND');
      }
    }
  });
});
