// Conduit behind PgBouncer in transaction mode, as docs/deployment.md sets it up: DATABASE_URL
// through the pooler with no named prepared statements (DATABASE_PREPARED_STATEMENTS=false), and
// DATABASE_DIRECT_URL for what needs a session of its own (LISTEN for live comments, migrations
// under their advisory lock). The pooler holds few server connections, so one client's
// statements keep landing on different ones.
import { createClient } from '@conduit/client';
import { getTestDatabaseUrl } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { testConfig } from './helpers';
import { freshName } from './http';
import { pgbouncerBinary, startPgbouncer } from './pgbouncer';

const databaseUrl = await getTestDatabaseUrl();

describe.skipIf(!databaseUrl || !pgbouncerBinary())(
  'behind PgBouncer in transaction mode (needs TEST_DATABASE_URL and pgbouncer)',
  { timeout: 60_000 },
  () => {
    let pooler: Awaited<ReturnType<typeof startPgbouncer>> | undefined;
    let app: FastifyInstance | undefined;
    let origin = '';

    beforeAll(async () => {
      pooler = await startPgbouncer(databaseUrl ?? '');
      app = await buildApp(
        testConfig({
          DATABASE_URL: pooler.url,
          DATABASE_DIRECT_URL: databaseUrl ?? '',
          DATABASE_PREPARED_STATEMENTS: 'false',
          DB_POOL_MAX: '8',
          REGISTER_MAX_PER_IP: '0',
          RATE_LIMIT_MAX: '0',
        }),
      );
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      if (!address || typeof address === 'string') throw new Error('not listening');
      origin = `http://127.0.0.1:${address.port}`;
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await pooler?.stop();
    });

    async function writer() {
      const username = freshName();
      const { token } = await createClient({ url: origin }).auth.register.mutate({
        email: `${username}@example.com`,
        username,
        password: 'correct horse battery',
      });
      return { username, client: createClient({ url: origin, token }) };
    }

    it('answers many clients at once, reads and writes, through a few pooled connections', async () => {
      const writers = await Promise.all([writer(), writer(), writer()]);
      const slugs = (
        await Promise.all(
          writers.flatMap(({ client }) =>
            [1, 2, 3].map((n) =>
              client.article.create.mutate({
                title: `Pooled ${n} ${freshName()}`,
                description: 'd',
                body: `Body ${n}`,
                tagList: ['pooled'],
              }),
            ),
          ),
        )
      ).map(({ article }) => article.slug);

      const calls = Array.from({ length: 60 }, (_, n) => {
        const one = writers[n % writers.length];
        if (!one) throw new Error('no writer');
        const { client, username } = one;
        const slug = slugs[n % slugs.length] ?? '';
        switch (n % 5) {
          case 0:
            return client.article.list.query({ tag: 'pooled', limit: 5 });
          case 1:
            return client.article.get.query({ slug });
          case 2:
            return client.profile.get.query({ username });
          case 3:
            return client.comment.create.mutate({ slug, body: `comment ${n}` });
          default:
            return client.article.favorite.mutate({ slug });
        }
      });
      const settled = await Promise.allSettled(calls);
      const failed = settled.filter((result) => result.status === 'rejected');
      expect(failed.map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
      const list = await writers[0]?.client.article.list.query({ tag: 'pooled', limit: 20 });
      expect(list?.articlesCount).toBe(9);
    });

    it('delivers live comments: LISTEN runs on the direct connection', async () => {
      const { client } = await writer();
      const { article } = await client.article.create.mutate({
        title: `Live behind the pooler ${freshName()}`,
        description: 'd',
        body: 'b',
        tagList: [],
      });
      const received: string[] = [];
      const errors: unknown[] = [];
      const subscription = client.comment.onCreated.subscribe(
        { slug: article.slug },
        {
          onData: ({ data }) => received.push(data.body),
          onError: (error) => errors.push(error),
        },
      );
      try {
        // A subscription without a last event id replays nothing: what it receives came through
        // LISTEN. It listens a moment after subscribe() returns, so probe until one arrives.
        let probes = 0;
        while (received.length === 0 && errors.length === 0 && probes < 25) {
          probes += 1;
          await client.comment.create.mutate({ slug: article.slug, body: `probe ${probes}` });
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(errors).toEqual([]);
        expect(received.length).toBeGreaterThan(0);
        await client.comment.create.mutate({ slug: article.slug, body: 'second' });
        await expect.poll(() => received.at(-1), { timeout: 5000 }).toBe('second');
        expect(errors).toEqual([]);
      } finally {
        subscription.unsubscribe();
      }
    });
  },
);
