// Beyond the spec: GET /api/search (decision 030), and old slugs under /api/articles (decision 031).
import { getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { api, errorsOf, signUp } from './testing';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(() => app.close());
beforeEach(async () => resetDb((await getTestDb()).db));

async function publish(token: string, article: Record<string, unknown>) {
  const res = await api(app, 'POST', '/api/articles', {
    token,
    body: { article: { description: 'd', body: 'Plain body.', ...article } },
  });
  expect(res.statusCode).toBe(201);
  return res.json().article as { slug: string };
}

describe('GET /api/search', () => {
  it('answers the matches best first, with snippets in parts, to anyone', async () => {
    const { token } = await signUp(app);
    await publish(token, { title: 'Body only', body: 'A note on <em>compilers</em> & more.' });
    await publish(token, { title: 'Compilers explained' });
    const res = await api(app, 'GET', '/api/search?q=compiler&limit=5');
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page).toMatchObject({ articlesCount: 2, moreMatches: false });
    expect(page.articles.map((a: { title: string }) => a.title)).toEqual([
      'Compilers explained',
      'Body only',
    ]);
    expect(page.articles[1].body).toBeUndefined();
    expect(page.articles[1].snippet).toContainEqual({ text: 'compilers', highlighted: true });
    expect(page.articles[1].author).toMatchObject({ following: false });
  });

  it('refuses a missing, blank, symbol-only or overlong query with a 422 naming q', async () => {
    const longQuery = encodeURIComponent('word '.repeat(2000));
    for (const query of [
      '',
      '?q=',
      '?q=%20%20',
      `?q=${encodeURIComponent(`'":&|!()<>*`)}`,
      `?q=${longQuery}`,
    ]) {
      const res = await api(app, 'GET', `/api/search${query}`);
      expect(res.statusCode, query.slice(0, 40)).toBe(422);
      expect(errorsOf(res).join(' ')).toMatch(/^q /);
    }
    const paging = await api(app, 'GET', '/api/search?q=word&limit=51&offset=x');
    expect(paging.statusCode).toBe(422);
    expect(errorsOf(paging).sort()).toEqual([
      expect.stringMatching(/^limit /),
      expect.stringMatching(/^offset /),
    ]);
  });
});

describe('GET /api/articles/:slug with an earlier slug', () => {
  it('answers the article, its body carrying the current slug, and so do its comments', async () => {
    const { token } = await signUp(app);
    const { slug } = await publish(token, { title: 'Before the rename' });
    const renamed = await api(app, 'PUT', `/api/articles/${slug}`, {
      token,
      body: { article: { title: 'After the rename' } },
    });
    expect(renamed.json().article.slug).toBe('after-the-rename');

    const res = await api(app, 'GET', `/api/articles/${slug}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().article).toMatchObject({
      slug: 'after-the-rename',
      title: 'After the rename',
    });
    const comment = await api(app, 'POST', `/api/articles/${slug}/comments`, {
      token,
      body: { comment: { body: 'Through the old link' } },
    });
    expect(comment.statusCode).toBe(200);
    const comments = await api(app, 'GET', '/api/articles/after-the-rename/comments');
    expect(comments.json().comments).toHaveLength(1);
  });
});
