// Invalidation by entity (decision 038), as readers meet it on two instances sharing Redis, each
// with its in-process tier: every write through one instance is seen by the very next read on the
// other (no waiting), for each kind of entity a cached value shows; a write drops only what shows
// what it changed; concurrent misses of one page make one load.
import { randomUUID } from 'node:crypto';
import type { CacheStore } from '@conduit/api';
import { getTestDb, recordQueries, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers';
import { buildApp } from '../app';
import { api, type SignedUp, signUp } from '../rest/testing';
import { openRedisBus, type RedisBus } from './bus';
import { createRedisCache } from './redis';

const redisUrl = process.env.TEST_REDIS_URL;

interface Summary {
  slug: string;
  title: string;
  description: string;
  tagList: string[];
  favorited: boolean;
  favoritesCount: number;
  author: { username: string; bio: string | null; following: boolean };
}

interface Page {
  articles: Summary[];
  articlesCount: number;
  nextCursor?: string | null;
}

// Needs a Redis server: runs only when TEST_REDIS_URL is set (CI sets it).
/**
 * Lookups answered by an instance's in-process tier: a value, or (for an anonymous read) the
 * whole answer made of such values (decision 043).
 */
const servedLocally = (cache: CacheStore) => cache.stats.localHits + cache.stats.answers;

describe.runIf(redisUrl)(
  'invalidation by entity across two instances (needs TEST_REDIS_URL)',
  () => {
    const prefix = `conduit:test:entities:${randomUUID()}:`;
    let redis: Redis;
    const buses: RedisBus[] = [];
    let a: FastifyInstance;
    let b: FastifyInstance;
    let bCache: CacheStore;

    beforeAll(async () => {
      redis = new Redis(redisUrl ?? '');
      const database = await getTestDb();
      const instance = async () => {
        const bus = await openRedisBus(redis, { channel: `${prefix}bus` });
        buses.push(bus);
        const cache = createRedisCache(redis, { ttlMs: 60_000, prefix, bus });
        return { app: await buildApp(testConfig(), { database, cache }), cache };
      };
      a = (await instance()).app;
      const second = await instance();
      b = second.app;
      bCache = second.cache;
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await Promise.all(buses.map((bus) => bus.close()));
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    beforeEach(async () => resetDb((await getTestDb()).db));

    const get = async <T>(app: FastifyInstance, url: string, token?: string): Promise<T> => {
      const response = await api(app, 'GET', url, token ? { token } : {});
      if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode}`);
      return response.json() as T;
    };
    const list = (app: FastifyInstance, query: string, token?: string) =>
      get<Page>(app, `/api/articles?${query}`, token);
    const article = async (app: FastifyInstance, slug: string, token?: string) =>
      (await get<{ article: Summary }>(app, `/api/articles/${slug}`, token)).article;
    const profile = async (app: FastifyInstance, username: string, token?: string) =>
      (
        await get<{ profile: { bio: string | null; following: boolean } }>(
          app,
          `/api/profiles/${username}`,
          token,
        )
      ).profile;
    const trpcList = async (app: FastifyInstance, input: unknown) =>
      (
        await get<{ result: { data: Page } }>(
          app,
          `/trpc/article.list?input=${encodeURIComponent(JSON.stringify(input))}`,
        )
      ).result.data;
    const write = async (
      writer: SignedUp,
      title: string,
      tagList: string[] = [],
      app: FastifyInstance = a,
    ) => {
      const created = await api(app, 'POST', '/api/articles', {
        token: writer.token,
        body: { article: { title, description: 'd', body: 'b', tagList } },
      });
      if (created.statusCode !== 201) throw new Error(created.body);
      return created.json().article.slug as string;
    };
    /**
     * Reads twice on b: the second is answered by its in-process tier (checked; a signed-in read
     * also finds its session there: `lookups` 2).
     */
    const warm = async <T>(read: () => Promise<T>, lookups = 1): Promise<T> => {
      await read();
      const local = servedLocally(bCache);
      const value = await read();
      expect(servedLocally(bCache)).toBe(local + lookups);
      return value;
    };
    const titles = (page: Page) => page.articles.map((shown) => shown.title);

    it('an article edited: its page and every list page showing it', async () => {
      const writer = await signUp(a);
      const slug = await write(writer, 'First', ['cats']);
      await write(writer, 'Second', ['cats']);
      const cursor = (await trpcList(b, { limit: 1 })).nextCursor;
      await warm(() => article(b, slug));
      const pages = [
        () => list(b, 'limit=5'),
        () => list(b, 'tag=cats&limit=5'),
        () => list(b, `author=${writer.username}&limit=5`),
        () => list(b, 'limit=1&offset=1'),
        () => trpcList(b, { limit: 1, cursor }),
      ];
      for (const page of pages) expect(titles(await warm(page))).toContain('First');

      await api(a, 'PUT', `/api/articles/${slug}`, {
        token: writer.token,
        body: { article: { description: 'edited', title: 'First, edited' } },
      });
      expect((await article(b, slug)).title).toBe('First, edited'); // under its old slug too
      for (const page of pages) expect(titles(await page())).toContain('First, edited');
    });

    it('an article deleted: gone from its page and from every list and count', async () => {
      const writer = await signUp(a);
      const slug = await write(writer, 'Doomed', ['cats']);
      await write(writer, 'Kept', ['cats']);
      await warm(() => article(b, slug));
      const pages = [
        () => list(b, 'limit=5'),
        () => list(b, 'tag=cats&limit=5'),
        () => list(b, `author=${writer.username}&limit=5`),
      ];
      for (const page of pages) expect((await warm(page)).articlesCount).toBe(2);
      await warm(() => get<{ tags: string[] }>(b, '/api/tags'));

      await api(a, 'DELETE', `/api/articles/${slug}`, { token: writer.token });
      expect((await api(b, 'GET', `/api/articles/${slug}`)).statusCode).toBe(404);
      for (const page of pages) {
        const after = await page();
        expect([after.articlesCount, titles(after)]).toEqual([1, ['Kept']]);
      }
    });

    it('an article created: the lists it joins, not the others', async () => {
      const writer = await signUp(a);
      await write(writer, 'Dogs', ['dogs']);
      const dogs = () => list(b, 'tag=dogs&limit=5');
      await warm(dogs);
      await warm(() => list(b, 'limit=5'));
      await warm(() => get<{ tags: string[] }>(b, '/api/tags'));

      await write(writer, 'Cats', ['cats']);
      expect(titles(await list(b, 'limit=5'))).toEqual(['Cats', 'Dogs']);
      expect((await get<{ tags: string[] }>(b, '/api/tags')).tags.sort()).toEqual(['cats', 'dogs']);
      const local = servedLocally(bCache);
      expect(titles(await dogs())).toEqual(['Dogs']);
      expect(servedLocally(bCache)).toBe(local + 1); // the dogs page was not dropped
    });

    it('a favorite: the count everywhere the article shows, the flag for its reader only', async () => {
      const writer = await signUp(a);
      const fan = await signUp(a);
      const slug = await write(writer, 'Liked', ['cats']);
      await warm(() => article(b, slug));
      await warm(() => list(b, 'tag=cats'));

      await api(a, 'POST', `/api/articles/${slug}/favorite`, { token: fan.token });
      expect(await article(b, slug)).toMatchObject({ favoritesCount: 1, favorited: false });
      expect((await list(b, 'tag=cats')).articles[0]).toMatchObject({ favoritesCount: 1 });
      expect((await list(b, 'tag=cats', fan.token)).articles[0]).toMatchObject({ favorited: true });
      expect(await article(b, slug, writer.token)).toMatchObject({ favorited: false });

      await api(a, 'DELETE', `/api/articles/${slug}/favorite`, { token: fan.token });
      expect(await article(b, slug, fan.token)).toMatchObject({
        favoritesCount: 0,
        favorited: false,
      });
    });

    it("an author's profile changed: their profile, articles and the lists showing them", async () => {
      const writer = await signUp(a);
      const slug = await write(writer, 'Mine', ['cats']);
      await warm(() => profile(b, writer.username));
      await warm(() => article(b, slug));
      await warm(() => list(b, 'tag=cats'));
      await warm(() => list(b, `author=${writer.username}`));

      await api(a, 'PUT', '/api/user', { token: writer.token, body: { user: { bio: 'new bio' } } });
      expect((await profile(b, writer.username)).bio).toBe('new bio');
      expect((await article(b, slug)).author.bio).toBe('new bio');
      expect((await list(b, 'tag=cats')).articles[0]?.author.bio).toBe('new bio');

      const renamed = `${writer.username}x`;
      await api(a, 'PUT', '/api/user', {
        token: writer.token,
        body: { user: { username: renamed } },
      });
      expect((await list(b, `author=${writer.username}`)).articlesCount).toBe(0);
      expect((await list(b, `author=${renamed}`)).articlesCount).toBe(1);
      expect((await api(b, 'GET', `/api/profiles/${writer.username}`)).statusCode).toBe(404);
      expect((await article(b, slug)).author.username).toBe(renamed);
    });

    it('a tag list changed: the old tag loses the article, the new one gains it', async () => {
      const writer = await signUp(a);
      const slug = await write(writer, 'Moving', ['old']);
      await warm(() => list(b, 'tag=old'));
      await warm(() => list(b, 'tag=new'));
      await warm(() => get<{ tags: string[] }>(b, '/api/tags'));

      await api(a, 'PUT', `/api/articles/${slug}`, {
        token: writer.token,
        body: { article: { tagList: ['new'] } },
      });
      expect((await list(b, 'tag=old')).articlesCount).toBe(0);
      expect(titles(await list(b, 'tag=new'))).toEqual(['Moving']);
      expect((await get<{ tags: string[] }>(b, '/api/tags')).tags).toEqual(['new']);
    });

    it('a follow changes only the follower: their flags and feed, no shared copy', async () => {
      const writer = await signUp(a);
      const reader = await signUp(a);
      const slug = await write(writer, 'Followed', ['cats']);
      const feed = () => get<Page>(b, '/api/articles/feed', reader.token);
      expect((await warm(feed, 2)).articlesCount).toBe(0);
      await warm(() => article(b, slug));
      await warm(() => profile(b, writer.username));

      await api(a, 'POST', `/api/profiles/${writer.username}/follow`, { token: reader.token });
      const local = servedLocally(bCache);
      expect((await article(b, slug)).author.following).toBe(false);
      expect((await profile(b, writer.username)).following).toBe(false);
      expect(servedLocally(bCache)).toBe(local + 2); // the shared copies stayed
      expect((await article(b, slug, reader.token)).author.following).toBe(true);
      expect((await profile(b, writer.username, reader.token)).following).toBe(true);
      expect(titles(await feed())).toEqual(['Followed']);

      // The feed's first page follows what its authors write, and the reader's favorites.
      await warm(feed, 2);
      const next = await write(writer, 'Newer');
      expect(titles(await feed())).toEqual(['Newer', 'Followed']);
      await warm(feed, 2);
      await api(a, 'POST', `/api/articles/${next}/favorite`, { token: reader.token });
      expect((await feed()).articles[0]).toMatchObject({ favorited: true, favoritesCount: 1 });
      await api(a, 'DELETE', `/api/profiles/${writer.username}/follow`, { token: reader.token });
      expect((await feed()).articlesCount).toBe(0);
    });

    it('a logout: the session refused on the other instance at once, other sessions kept', async () => {
      const reader = await signUp(a);
      const other = await signUp(a);
      const me = (token: string) => api(b, 'GET', '/api/user', { token });
      for (const token of [reader.token, other.token]) await me(token);
      const local = servedLocally(bCache);
      expect((await me(reader.token)).statusCode).toBe(200);
      expect(servedLocally(bCache)).toBe(local + 1); // the session, from b's own memory

      const logout = await api(a, 'POST', '/trpc/auth.logout', { token: reader.token, body: {} });
      expect(logout.statusCode).toBe(200);
      expect((await me(reader.token)).statusCode).toBe(401);
      const before = servedLocally(bCache);
      expect((await me(other.token)).statusCode).toBe(200);
      expect(servedLocally(bCache)).toBe(before + 1);
    });

    it('under concurrent reads on both instances, a read begun after a write answered shows it', async () => {
      const writer = await signUp(a);
      const fan = await signUp(a);
      const slug = await write(writer, 'v0', ['race']);
      const reads = [
        async (app: FastifyInstance) => (await article(app, slug)).description,
        async (app: FastifyInstance) => (await list(app, 'tag=race')).articles[0]?.description,
        async (app: FastifyInstance) => (await list(app, 'limit=3')).articles[0]?.description,
        async (app: FastifyInstance) =>
          `${(await article(app, slug)).favoritesCount}:${(await list(app, 'limit=3')).articles[0]?.favoritesCount}`,
      ];
      // Readers on both instances all along, so that loads and fills are under way at every write.
      let reading = true;
      // Each yields to I/O between reads, as requests arriving on sockets would: injected requests
      // answered from memory could otherwise keep Redis's replies and messages waiting.
      const background = [a, b].map(async (app, n) => {
        for (let i = n; reading; i++) {
          await reads[i % 3]?.(app);
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
      try {
        for (let version = 1; version <= 6; version++) {
          const through = version % 2 ? a : b;
          const edited = await api(through, 'PUT', `/api/articles/${slug}`, {
            token: writer.token,
            body: { article: { description: `v${version}` } },
          });
          expect(edited.statusCode).toBe(200);
          for (const app of [a, b])
            for (const read of reads.slice(0, 3)) expect(await read(app)).toBe(`v${version}`);
          const favorited = version % 2 === 1;
          await api(through, favorited ? 'POST' : 'DELETE', `/api/articles/${slug}/favorite`, {
            token: fan.token,
          });
          const count = favorited ? 1 : 0;
          for (const app of [a, b]) expect(await reads[3]?.(app)).toBe(`${count}:${count}`);
        }
      } finally {
        reading = false;
        await Promise.all(background);
      }
    }, 120_000);

    it('concurrent misses of one page make one load', async () => {
      const writer = await signUp(a);
      await write(writer, 'Popular', ['hot']);
      const { result: pages, queries } = await recordQueries(() =>
        Promise.all(Array.from({ length: 8 }, () => list(b, 'tag=hot&limit=7'))),
      );
      for (const page of pages) expect(titles(page)).toEqual(['Popular']);
      // The page and its total, once; nothing else (the requests are anonymous).
      expect(queries).toHaveLength(2);
    });
  },
);
