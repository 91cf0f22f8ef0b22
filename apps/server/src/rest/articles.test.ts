// RealWorld spec: /articles, /articles/feed, /articles/{slug} and /articles/{slug}/favorite.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { freshName, randomIp } from '../../test/http';
import { api, errorsOf, type SignedUp, signUp } from './testing';

let app: FastifyInstance;
let reader: SignedUp;
let writer: SignedUp;

beforeAll(async () => {
  app = await buildTestApp();
  [reader, writer] = [await signUp(app), await signUp(app)];
});
afterAll(() => app.close());

interface NewArticle {
  title?: string;
  description?: string;
  body?: string;
  tagList?: string[];
}

async function publish(author: SignedUp, fields: NewArticle = {}) {
  const article = {
    title: `Title ${freshName()}`,
    description: 'About it',
    body: 'Some *Markdown*',
    ...fields,
  };
  const res = await api(app, 'POST', '/api/articles', { token: author.token, body: { article } });
  if (res.statusCode !== 201) throw new Error(`publishing failed: ${res.body}`);
  return res.json().article as { slug: string; title: string; favoritesCount: number };
}

const authorOf = (account: SignedUp, following = false) => ({
  username: account.username,
  bio: null,
  image: null,
  following,
});

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('POST /api/articles', () => {
  it('creates the article, 201, in the spec shape (tagList may be left out)', async () => {
    const article = {
      title: 'How to train a dragon',
      description: 'Ever wonder?',
      body: 'It *takes* a Jacobian',
    };
    const res = await api(app, 'POST', '/api/articles', { token: writer.token, body: { article } });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      article: {
        slug: expect.stringMatching(/^how-to-train-a-dragon/),
        ...article,
        tagList: [],
        createdAt: ISO,
        updatedAt: ISO,
        favorited: false,
        favoritesCount: 0,
        author: authorOf(writer),
      },
    });
  });

  it('takes tags, and `Authorization: Bearer` as well as `Token`', async () => {
    const res = await api(app, 'POST', '/api/articles', {
      token: writer.token,
      scheme: 'Bearer',
      body: {
        article: { title: 'Tagged', description: 'd', body: 'b', tagList: ['Dragons', 'training'] },
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().article.tagList).toEqual(['dragons', 'training']);
  });

  it('ignores unknown fields and never writes them', async () => {
    const res = await api(app, 'POST', '/api/articles', {
      token: writer.token,
      body: {
        article: {
          title: 'Extra',
          description: 'd',
          body: 'b',
          favoritesCount: 99,
          slug: 'mine',
          extra: 1,
        },
        other: true,
      },
    });
    expect(res.statusCode).toBe(201);
    const { article } = res.json();
    expect(article.favoritesCount).toBe(0);
    expect(article.slug).not.toBe('mine');
    expect(article).not.toHaveProperty('extra');
  });

  it('answers 401 without a valid token', async () => {
    const body = { article: { title: 't', description: 'd', body: 'b' } };
    for (const request of [{ body }, { body, token: 'not.a.token' }]) {
      const res = await api(app, 'POST', '/api/articles', request);
      expect(res.statusCode).toBe(401);
      expect(errorsOf(res)).toEqual(['Sign in to do this']);
    }
  });

  it('answers 422 naming the field: missing title, body of the wrong type, no envelope', async () => {
    const cases: [unknown, string[]][] = [
      [{ article: { description: 'd', body: 'b' } }, ['title is required']],
      [{ article: { title: 'T', description: 'd', body: 42 } }, ['body must be a string']],
      [
        { article: { title: 'T', description: 'd', body: 'b', tagList: 'x' } },
        ['tagList must be an array'],
      ],
      [{ article: { title: '   ', description: 'd', body: 'b' } }, ['title must not be empty']],
      [{ title: 'T', description: 'd', body: 'b' }, ['article is required']],
    ];
    for (const [body, messages] of cases) {
      const res = await api(app, 'POST', '/api/articles', { token: writer.token, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(errorsOf(res)).toEqual(messages);
    }
  });

  it('answers malformed JSON with 422', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/articles',
      headers: { 'content-type': 'application/json', authorization: `Token ${writer.token}` },
      payload: '{"article": {',
      remoteAddress: randomIp(),
    });
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual([expect.stringMatching(/not valid JSON/)]);
  });
});

describe('GET /api/articles/:slug', () => {
  it('answers anyone with the article and its body', async () => {
    const { slug } = await publish(writer, { body: '# Heading' });
    const res = await api(app, 'GET', `/api/articles/${slug}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().article).toMatchObject({ slug, body: '# Heading', author: authorOf(writer) });
    expect(res.json().article).not.toHaveProperty('bodyHtml');
  });

  it('answers 404 for an unknown slug', async () => {
    const res = await api(app, 'GET', `/api/articles/no-such-${freshName()}`);
    expect(res.statusCode).toBe(404);
    expect(errorsOf(res)).toEqual([expect.stringMatching(/^No article with slug /)]);
  });
});

describe('PUT /api/articles/:slug', () => {
  it('changes the given fields only, and ignores unknown ones', async () => {
    const { slug } = await publish(writer, { description: 'Before', tagList: ['keep'] });
    const res = await api(app, 'PUT', `/api/articles/${slug}`, {
      token: writer.token,
      body: { article: { body: 'After', favorited: true } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().article).toMatchObject({
      slug,
      description: 'Before',
      body: 'After',
      tagList: ['keep'],
      favorited: false,
    });
  });

  it('changes the title, the article is found at the slug it answers', async () => {
    const { slug } = await publish(writer);
    const res = await api(app, 'PUT', `/api/articles/${slug}`, {
      token: writer.token,
      body: { article: { title: 'A brand new title' } },
    });
    expect(res.statusCode).toBe(200);
    const { article } = res.json();
    expect(article.title).toBe('A brand new title');
    const again = await api(app, 'GET', `/api/articles/${article.slug}`);
    expect(again.json().article.title).toBe('A brand new title');
  });

  it("answers 401 without a token, 403 for another user's article, 404 for an unknown one", async () => {
    const { slug } = await publish(writer);
    const body = { article: { body: 'Hijacked' } };
    const anonymous = await api(app, 'PUT', `/api/articles/${slug}`, { body });
    expect(anonymous.statusCode).toBe(401);
    const other = await api(app, 'PUT', `/api/articles/${slug}`, { token: reader.token, body });
    expect(other.statusCode).toBe(403);
    expect(errorsOf(other)).toEqual([
      'Only the author, a moderator or an admin may edit this article',
    ]);
    const unknown = await api(app, 'PUT', `/api/articles/nope-${freshName()}`, {
      token: writer.token,
      body,
    });
    expect(unknown.statusCode).toBe(404);
    const still = await api(app, 'GET', `/api/articles/${slug}`);
    expect(still.json().article.body).not.toBe('Hijacked');
  });

  it('answers 422 for a field of the wrong type', async () => {
    const { slug } = await publish(writer);
    const res = await api(app, 'PUT', `/api/articles/${slug}`, {
      token: writer.token,
      body: { article: { title: 7 } },
    });
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual(['title must be a string']);
  });
});

describe('DELETE /api/articles/:slug', () => {
  it('deletes, 204 with no body, as the spec says', async () => {
    const { slug } = await publish(writer);
    const res = await api(app, 'DELETE', `/api/articles/${slug}`, { token: writer.token });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const gone = await api(app, 'GET', `/api/articles/${slug}`);
    expect(gone.statusCode).toBe(404);
  });

  it("answers 401 without a token, 403 for another user's article, 404 for an unknown one", async () => {
    const { slug } = await publish(writer);
    expect((await api(app, 'DELETE', `/api/articles/${slug}`)).statusCode).toBe(401);
    const other = await api(app, 'DELETE', `/api/articles/${slug}`, { token: reader.token });
    expect(other.statusCode).toBe(403);
    expect(errorsOf(other)).toEqual([
      'Only the author, a moderator or an admin may delete this article',
    ]);
    const unknown = await api(app, 'DELETE', `/api/articles/nope-${freshName()}`, {
      token: writer.token,
    });
    expect(unknown.statusCode).toBe(404);
    expect((await api(app, 'GET', `/api/articles/${slug}`)).statusCode).toBe(200);
  });
});

describe('POST and DELETE /api/articles/:slug/favorite', () => {
  it('favorites and unfavorites idempotently, with the exact favoritesCount', async () => {
    const { slug } = await publish(writer);
    const favorite = (account: SignedUp) =>
      api(app, 'POST', `/api/articles/${slug}/favorite`, { token: account.token });
    const unfavorite = (account: SignedUp) =>
      api(app, 'DELETE', `/api/articles/${slug}/favorite`, {
        token: account.token,
        scheme: 'Bearer',
      });

    for (let i = 0; i < 2; i++) {
      const res = await favorite(reader);
      expect(res.statusCode).toBe(200);
      expect(res.json().article).toMatchObject({
        slug,
        favorited: true,
        favoritesCount: 1,
        body: 'Some *Markdown*',
      });
    }
    expect((await favorite(writer)).json().article).toMatchObject({
      favorited: true,
      favoritesCount: 2,
    });
    const seen = await api(app, 'GET', `/api/articles/${slug}`, { token: reader.token });
    expect(seen.json().article).toMatchObject({ favorited: true, favoritesCount: 2 });
    const anonymous = await api(app, 'GET', `/api/articles/${slug}`);
    expect(anonymous.json().article).toMatchObject({ favorited: false, favoritesCount: 2 });

    for (let i = 0; i < 2; i++) {
      const res = await unfavorite(reader);
      expect(res.statusCode).toBe(200);
      expect(res.json().article).toMatchObject({ favorited: false, favoritesCount: 1 });
    }
  });

  it('accepts the empty JSON body some clients send', async () => {
    const { slug } = await publish(writer);
    const res = await api(app, 'POST', `/api/articles/${slug}/favorite`, {
      token: reader.token,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().article.favoritesCount).toBe(1);
  });

  it('answers 401 without a valid token and 404 for an unknown slug', async () => {
    const { slug } = await publish(writer);
    for (const method of ['POST', 'DELETE'] as const) {
      for (const request of [{}, { token: 'bad.token' }]) {
        const res = await api(app, method, `/api/articles/${slug}/favorite`, request);
        expect(res.statusCode).toBe(401);
        expect(errorsOf(res)).toEqual(['Sign in to do this']);
      }
      const unknown = await api(app, method, `/api/articles/nope-${freshName()}/favorite`, {
        token: reader.token,
      });
      expect(unknown.statusCode).toBe(404);
    }
  });
});

describe('GET /api/articles', () => {
  it('filters by author, tag and favorited, counts all matches, and pages by limit/offset', async () => {
    const author = await signUp(app);
    const tag = freshName();
    const first = await publish(author, { tagList: [tag] });
    const second = await publish(author);
    const third = await publish(author, { tagList: [tag, 'other'] });
    await api(app, 'POST', `/api/articles/${first.slug}/favorite`, { token: reader.token });

    const byAuthor = await api(app, 'GET', `/api/articles?author=${author.username}`);
    expect(byAuthor.statusCode).toBe(200);
    const page = byAuthor.json();
    expect(page.articlesCount).toBe(3);
    // Newest first; list items carry no body (the spec's list item schema has none).
    expect(page.articles.map((a: { slug: string }) => a.slug)).toEqual([
      third.slug,
      second.slug,
      first.slug,
    ]);
    expect(page.articles[0]).toEqual({
      slug: third.slug,
      title: third.title,
      description: 'About it',
      tagList: expect.arrayContaining([tag, 'other']),
      createdAt: ISO,
      updatedAt: ISO,
      favorited: false,
      favoritesCount: 0,
      author: authorOf(author),
    });
    expect(Object.keys(page)).toEqual(['articles', 'articlesCount']);

    const byTag = (await api(app, 'GET', `/api/articles?tag=${tag}`)).json();
    expect(byTag.articlesCount).toBe(2);
    expect(byTag.articles.map((a: { slug: string }) => a.slug)).toEqual([third.slug, first.slug]);

    const favorited = await api(
      app,
      'GET',
      `/api/articles?favorited=${reader.username}&author=${author.username}`,
      {
        token: reader.token,
      },
    );
    expect(favorited.json()).toMatchObject({
      articlesCount: 1,
      articles: [{ slug: first.slug, favorited: true, favoritesCount: 1 }],
    });

    const limited = (
      await api(app, 'GET', `/api/articles?author=${author.username}&limit=2`)
    ).json();
    expect(limited.articlesCount).toBe(3);
    expect(limited.articles.map((a: { slug: string }) => a.slug)).toEqual([
      third.slug,
      second.slug,
    ]);
    const offset = (
      await api(app, 'GET', `/api/articles?author=${author.username}&limit=2&offset=2`)
    ).json();
    expect(offset.articlesCount).toBe(3);
    expect(offset.articles.map((a: { slug: string }) => a.slug)).toEqual([first.slug]);

    const none = (await api(app, 'GET', `/api/articles?author=${freshName()}`)).json();
    expect(none).toEqual({ articles: [], articlesCount: 0 });
  });

  it('answers 422 naming the field for a bad limit or offset', async () => {
    const cases: [string, string[]][] = [
      ['limit=abc', ['limit must be a number']],
      ['limit=0', ['limit must be at least 1']],
      ['limit=1000', ['limit must be at most 100']],
      ['offset=-1', ['offset must not be negative']],
      ['offset=ten', ['offset must be a number']],
      ['limit=2.5', ['limit must be an integer']],
    ];
    for (const [query, messages] of cases) {
      const res = await api(app, 'GET', `/api/articles?${query}`);
      expect(res.statusCode, query).toBe(422);
      expect(errorsOf(res)).toEqual(messages);
    }
  });
});

describe('GET /api/articles/feed', () => {
  it("shows the followed authors' articles, newest first, after following", async () => {
    const follower = await signUp(app);
    const followed = await signUp(app);
    const before = await api(app, 'GET', '/api/articles/feed', { token: follower.token });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ articles: [], articlesCount: 0 });

    const older = await publish(followed);
    const newer = await publish(followed);
    await publish(writer);
    const follow = await api(app, 'POST', `/api/profiles/${followed.username}/follow`, {
      token: follower.token,
    });
    expect(follow.statusCode).toBe(200);

    const feed = await api(app, 'GET', '/api/articles/feed', {
      token: follower.token,
      scheme: 'Bearer',
    });
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['cache-control']).toBe('no-store');
    const { articles, articlesCount } = feed.json();
    expect(articlesCount).toBe(2);
    expect(articles.map((a: { slug: string }) => a.slug)).toEqual([newer.slug, older.slug]);
    expect(articles[0].author).toEqual(authorOf(followed, true));
    expect(articles[0]).not.toHaveProperty('body');

    const paged = await api(app, 'GET', '/api/articles/feed?limit=1&offset=1', {
      token: follower.token,
    });
    expect(paged.json()).toMatchObject({ articlesCount: 2, articles: [{ slug: older.slug }] });
  });

  it('answers 401 without a valid token and 422 for a bad limit', async () => {
    for (const request of [{}, { token: 'bad.token' }]) {
      const res = await api(app, 'GET', '/api/articles/feed', request);
      expect(res.statusCode).toBe(401);
      expect(errorsOf(res)).toEqual(['Sign in to do this']);
    }
    const bad = await api(app, 'GET', '/api/articles/feed?limit=many', { token: reader.token });
    expect(bad.statusCode).toBe(422);
    expect(errorsOf(bad)).toEqual(['limit must be a number']);
  });
});
