// RealWorld spec: GET and POST /articles/{slug}/comments, DELETE /articles/{slug}/comments/{id}.
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

async function publish(author: SignedUp): Promise<string> {
  const article = { title: `On ${freshName()}`, description: 'd', body: 'b' };
  const res = await api(app, 'POST', '/api/articles', { token: author.token, body: { article } });
  if (res.statusCode !== 201) throw new Error(`publishing failed: ${res.body}`);
  return res.json().article.slug;
}

async function comment(slug: string, author: SignedUp, body: string) {
  const res = await api(app, 'POST', `/api/articles/${slug}/comments`, {
    token: author.token,
    body: { comment: { body } },
  });
  if (res.statusCode !== 200) throw new Error(`commenting failed: ${res.body}`);
  return res.json().comment as { id: number; body: string };
}

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('POST /api/articles/:slug/comments', () => {
  it('adds the comment, 200 as the spec says, in the spec shape; unknown fields ignored', async () => {
    const slug = await publish(writer);
    const res = await api(app, 'POST', `/api/articles/${slug}/comments`, {
      token: reader.token,
      scheme: 'Bearer',
      body: { comment: { body: '  Thank you so much!  ', id: 1, author: 'x' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      comment: {
        id: expect.any(Number),
        createdAt: ISO,
        updatedAt: ISO,
        body: 'Thank you so much!',
        author: { username: reader.username, bio: null, image: null, following: false },
      },
    });
  });

  it('answers 401 without a valid token, 404 for an unknown slug', async () => {
    const slug = await publish(writer);
    const body = { comment: { body: 'Hi' } };
    for (const request of [{ body }, { body, token: 'bad.token' }]) {
      const res = await api(app, 'POST', `/api/articles/${slug}/comments`, request);
      expect(res.statusCode).toBe(401);
      expect(errorsOf(res)).toEqual(['Sign in to do this']);
    }
    const unknown = await api(app, 'POST', `/api/articles/nope-${freshName()}/comments`, {
      token: reader.token,
      body,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('answers 422 naming the field: missing, empty or non-string body, malformed JSON', async () => {
    const slug = await publish(writer);
    const cases: [unknown, string[]][] = [
      // The procedure's own wording for a body that is missing or not text.
      [{ comment: {} }, ['body must be a string']],
      [{ comment: { body: '   ' } }, ['body must not be empty']],
      [{ comment: { body: ['x'] } }, ['body must be a string']],
      [{ body: 'x' }, ['comment is required']],
    ];
    for (const [body, messages] of cases) {
      const res = await api(app, 'POST', `/api/articles/${slug}/comments`, {
        token: reader.token,
        body,
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(errorsOf(res)).toEqual(messages);
    }
    const malformed = await app.inject({
      method: 'POST',
      url: `/api/articles/${slug}/comments`,
      headers: { 'content-type': 'application/json', authorization: `Token ${reader.token}` },
      payload: '{"comment":',
      remoteAddress: randomIp(),
    });
    expect(malformed.statusCode).toBe(422);
    expect(errorsOf(malformed)).toEqual([expect.stringMatching(/not valid JSON/)]);
  });
});

describe('GET /api/articles/:slug/comments', () => {
  it('lists the comments oldest first, to anyone', async () => {
    const slug = await publish(writer);
    const empty = await api(app, 'GET', `/api/articles/${slug}/comments`);
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ comments: [] });

    const written = [
      await comment(slug, reader, 'First'),
      await comment(slug, writer, 'Second'),
      await comment(slug, reader, 'Third'),
    ];
    const res = await api(app, 'GET', `/api/articles/${slug}/comments`);
    expect(res.statusCode).toBe(200);
    const { comments } = res.json();
    expect(Object.keys(res.json())).toEqual(['comments']);
    expect(comments.map((c: { body: string }) => c.body)).toEqual(['First', 'Second', 'Third']);
    expect(comments.map((c: { id: number }) => c.id)).toEqual(written.map((c) => c.id));
    expect(comments[1].author).toEqual({
      username: writer.username,
      bio: null,
      image: null,
      following: false,
    });
  });

  it("shows whether the signed-in reader follows each comment's author", async () => {
    const slug = await publish(writer);
    await comment(slug, writer, 'By the writer');
    const follower = await signUp(app);
    await api(app, 'POST', `/api/profiles/${writer.username}/follow`, { token: follower.token });
    const res = await api(app, 'GET', `/api/articles/${slug}/comments`, { token: follower.token });
    expect(res.json().comments[0].author.following).toBe(true);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 404 for an unknown slug', async () => {
    const res = await api(app, 'GET', `/api/articles/nope-${freshName()}/comments`);
    expect(res.statusCode).toBe(404);
    expect(errorsOf(res)).toEqual([expect.stringMatching(/^No article with slug /)]);
  });
});

describe('DELETE /api/articles/:slug/comments/:id', () => {
  it('deletes its own comment, 204 with no body', async () => {
    const slug = await publish(writer);
    const kept = await comment(slug, writer, 'Kept');
    const gone = await comment(slug, reader, 'Gone');
    const res = await api(app, 'DELETE', `/api/articles/${slug}/comments/${gone.id}`, {
      token: reader.token,
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const left = await api(app, 'GET', `/api/articles/${slug}/comments`);
    expect(left.json().comments.map((c: { id: number }) => c.id)).toEqual([kept.id]);
  });

  it("answers 401 without a token, 403 for another user's comment, 404 for an unknown id", async () => {
    const slug = await publish(writer);
    const theirs = await comment(slug, writer, 'Mine');
    const url = `/api/articles/${slug}/comments/${theirs.id}`;
    for (const request of [{}, { token: 'bad.token' }]) {
      expect((await api(app, 'DELETE', url, request)).statusCode).toBe(401);
    }
    const other = await api(app, 'DELETE', url, { token: reader.token });
    expect(other.statusCode).toBe(403);
    expect(errorsOf(other)).toEqual(['Only its author may delete this comment']);
    const unknown = await api(app, 'DELETE', `/api/articles/${slug}/comments/2147483000`, {
      token: writer.token,
    });
    expect(unknown.statusCode).toBe(404);
    const noArticle = await api(
      app,
      'DELETE',
      `/api/articles/nope-${freshName()}/comments/${theirs.id}`,
      {
        token: writer.token,
      },
    );
    expect(noArticle.statusCode).toBe(404);
    const still = await api(app, 'GET', `/api/articles/${slug}/comments`);
    expect(still.json().comments).toHaveLength(1);
  });

  it('answers 422 naming the id when it is no comment id', async () => {
    const slug = await publish(writer);
    const cases: [string, string[]][] = [
      ['abc', ['id must be a number']],
      ['0', ['id must be a comment id']],
      ['1.5', ['id must be an integer']],
      ['99999999999', ['id must be a comment id']],
    ];
    for (const [id, messages] of cases) {
      const res = await api(app, 'DELETE', `/api/articles/${slug}/comments/${id}`, {
        token: writer.token,
      });
      expect(res.statusCode, id).toBe(422);
      expect(errorsOf(res)).toEqual(messages);
    }
  });
});
