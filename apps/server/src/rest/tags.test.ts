// RealWorld spec: GET /tags.
import { createArticle, createUser, getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../test/helpers';
import { api } from './testing';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(() => app.close());
beforeEach(async () => resetDb((await getTestDb()).db));

describe('GET /api/tags', () => {
  it('answers an empty list when no article has tags', async () => {
    const res = await api(app, 'GET', '/api/tags');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tags: [] });
  });

  it('answers the tags in use, most used first, to anyone', async () => {
    const { db } = await getTestDb();
    const author = await createUser(db);
    await createArticle(db, author, { tagList: ['rare', 'popular'] });
    await createArticle(db, author, { tagList: ['popular'] });
    const res = await api(app, 'GET', '/api/tags');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tags: ['popular', 'rare'] });
    expect(res.headers['cache-control']).toBe('no-cache');
  });
});
