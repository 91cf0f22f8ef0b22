// The hot-read cache as readers meet it: the tag list is served from the cache, and every article
// write that changes it (create, tag edit, delete, a moderator's removal) is seen by the very next
// read, on the instance that wrote and, through Redis, on another instance.
import { randomUUID } from 'node:crypto';
import { type CacheStore, createMemoryCache } from '@conduit/api';
import { getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers';
import { buildApp } from '../app';
import { api, signUp } from '../rest/testing';
import { createRedisCache } from './redis';

beforeEach(async () => resetDb((await getTestDb()).db));

async function appWith(cache: CacheStore): Promise<FastifyInstance> {
  return buildApp(testConfig(), { database: await getTestDb(), cache });
}

const tagsOn = async (app: FastifyInstance) =>
  (await api(app, 'GET', '/api/tags')).json().tags as string[];

const newArticle = (tagList: string[]) => ({
  article: { title: `On ${tagList.join(' ')}`, description: 'd', body: 'b', tagList },
});

/** Lookups answered from the cache: values, or whole answers made of them (decision 043). */
const answered = (cache: CacheStore) => cache.stats.hits + cache.stats.answers;

describe('one instance, cache in process', () => {
  let app: FastifyInstance;
  const cache = createMemoryCache({ ttlMs: 60_000 });
  beforeAll(async () => {
    app = await appWith(cache);
  });
  afterAll(() => app.close());

  it('serves the tag list from the cache, and every write that changes it at once', async () => {
    const writer = await signUp(app);
    expect(await tagsOn(app)).toEqual([]);
    const before = answered(cache);
    expect(await tagsOn(app)).toEqual([]);
    expect(answered(cache)).toBe(before + 1);

    const created = await api(app, 'POST', '/api/articles', {
      token: writer.token,
      body: newArticle(['cats', 'dogs']),
    });
    const slug = created.json().article.slug as string;
    expect((await tagsOn(app)).sort()).toEqual(['cats', 'dogs']);

    await api(app, 'PUT', `/api/articles/${slug}`, {
      token: writer.token,
      body: { article: { tagList: ['birds'] } },
    });
    expect(await tagsOn(app)).toEqual(['birds']);

    await api(app, 'DELETE', `/api/articles/${slug}`, { token: writer.token });
    expect(await tagsOn(app)).toEqual([]);
  });

  it('keeps the cached list through writes that do not touch tags', async () => {
    const writer = await signUp(app);
    const created = await api(app, 'POST', '/api/articles', {
      token: writer.token,
      body: newArticle(['kept']),
    });
    expect(await tagsOn(app)).toEqual(['kept']);
    await api(app, 'PUT', `/api/articles/${created.json().article.slug}`, {
      token: writer.token,
      body: { article: { description: 'only the description changed' } },
    });
    const hits = answered(cache);
    expect(await tagsOn(app)).toEqual(['kept']);
    expect(answered(cache)).toBe(hits + 1);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;

// Needs a Redis server: runs only when TEST_REDIS_URL is set (CI sets it).
describe.runIf(redisUrl)('two instances sharing Redis (needs TEST_REDIS_URL)', () => {
  const prefix = `conduit:test:cache:${randomUUID()}:`;
  let redis: Redis;
  let first: FastifyInstance;
  let second: FastifyInstance;
  let firstCache: CacheStore;
  beforeAll(async () => {
    redis = new Redis(redisUrl ?? '');
    // Two instances: two apps, each with its own Redis-backed store, over one database.
    firstCache = createRedisCache(redis, { ttlMs: 60_000, prefix });
    first = await appWith(firstCache);
    second = await appWith(createRedisCache(redis, { ttlMs: 60_000, prefix }));
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('shows on one instance, at once, what was written through the other', async () => {
    const writer = await signUp(second);
    expect(await tagsOn(first)).toEqual([]);
    const hits = firstCache.stats.hits;
    expect(await tagsOn(first)).toEqual([]);
    expect(firstCache.stats.hits).toBe(hits + 1); // the first instance really caches

    const created = await api(second, 'POST', '/api/articles', {
      token: writer.token,
      body: newArticle(['shared']),
    });
    expect(await tagsOn(first)).toEqual(['shared']);

    await api(second, 'DELETE', `/api/articles/${created.json().article.slug}`, {
      token: writer.token,
    });
    expect(await tagsOn(first)).toEqual([]);
  });
  it('serves articles, favorites counts and profiles fresh across instances, flags per viewer', async () => {
    const writer = await signUp(second);
    const fan = await signUp(first);
    const created = await api(second, 'POST', '/api/articles', {
      token: writer.token,
      body: newArticle(['across']),
    });
    const slug = created.json().article.slug as string;
    const articleOn = async (app: FastifyInstance, token?: string) =>
      (await api(app, 'GET', `/api/articles/${slug}`, token ? { token } : {})).json().article;

    expect((await articleOn(first)).favoritesCount).toBe(0);
    const hits = firstCache.stats.hits;
    expect((await articleOn(first)).favoritesCount).toBe(0);
    expect(firstCache.stats.hits).toBe(hits + 1);

    // A favorite through the first instance; read back anonymously and as the fan on the second.
    await api(first, 'POST', `/api/articles/${slug}/favorite`, { token: fan.token });
    expect(await articleOn(second)).toMatchObject({ favoritesCount: 1, favorited: false });
    expect(await articleOn(second, fan.token)).toMatchObject({
      favoritesCount: 1,
      favorited: true,
    });
    expect(await articleOn(first, writer.token)).toMatchObject({ favorited: false });

    const profileOn = (app: FastifyInstance) => api(app, 'GET', `/api/profiles/${writer.username}`);
    await profileOn(first);
    await api(second, 'PUT', '/api/user', {
      token: writer.token,
      body: { user: { bio: 'new bio' } },
    });
    expect((await profileOn(first)).json().profile.bio).toBe('new bio');
    expect((await articleOn(first)).author.bio).toBe('new bio');
  });
  it('refuses on one instance, at once, a session ended through the other', async () => {
    const reader = await signUp(first);
    const me = (app: FastifyInstance) => api(app, 'GET', '/api/user', { token: reader.token });
    expect((await me(first)).statusCode).toBe(200);
    const hits = firstCache.stats.hits;
    expect((await me(first)).statusCode).toBe(200);
    expect(firstCache.stats.hits).toBeGreaterThan(hits); // the session came from the cache

    await api(second, 'PUT', '/api/user', { token: reader.token, body: { user: { bio: 'x' } } });
    expect((await me(first)).json().user.bio).toBe('x');
    const logout = await api(second, 'POST', '/trpc/auth.logout', {
      token: reader.token,
      body: {},
    });
    expect(logout.statusCode).toBe(200);
    expect((await me(first)).statusCode).toBe(401);
  });
});
