// Which reads ask where to read (decision 039): with replicas, a signed-in client's question is a
// lookup of its last write position (Redis across instances). Only the reads that may lag ask;
// the cached ones, which load from the primary, ask nothing.
import type { Database } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, signUp } from '../../test/callers';
import { createMemoryCache } from '../cache';
import type { ReadRouting } from '../read-routing';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

describe('the read handle of a signed-in client', () => {
  it('is asked for by the reads that may lag, once per call, and by no other', async () => {
    const asked: (string | undefined)[] = [];
    const wrote: string[] = [];
    const routing: ReadRouting = {
      async readDbFor(client) {
        asked.push(client);
        return db;
      },
      async wrote(client) {
        wrote.push(client);
      },
    };
    const writer = await signUp(db);
    const options = { readRouting: routing, cache: createMemoryCache({ ttlMs: 60_000 }) };
    const client = callerFor(db, writer.token, undefined, undefined, options);
    const { article } = await client.article.create({
      title: 'Routed',
      description: 'd',
      body: 'b',
      tagList: ['routes'],
    });
    expect(wrote).toEqual([expect.stringMatching(/^user:\d+$/)]);

    // Cached reads load from the primary: nothing to ask.
    await client.article.get({ slug: article.slug });
    await client.article.view({ slug: article.slug });
    await client.article.list({ limit: 5 });
    await client.article.list({ tag: 'routes', limit: 5 });
    await client.profile.get({ username: writer.user.username });
    await client.tag.list({ limit: 10 });
    await client.article.feed({ limit: 5 });
    expect(asked).toEqual([]);

    // The reads that may lag ask, for this client.
    await client.comment.list({ slug: article.slug });
    await client.article.search({ q: 'routed' });
    await client.article.list({ favorited: writer.user.username, limit: 5 });
    await client.article.feed({ limit: 5, offset: 5 });
    expect(asked).toEqual(Array(4).fill(wrote[0]));
  });
});
