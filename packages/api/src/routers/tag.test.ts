import type { Database } from '@conduit/db';
import { createArticle, createUser, getTestDb, resetDb } from '@conduit/db/testing';
import { TRPCError } from '@trpc/server';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCaller, createTRPCContext } from '../index';

let db: Database;
const caller = () => createCaller(() => createTRPCContext({ db }));

beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

describe('tag.list', () => {
  it('is empty when no article carries a tag', async () => {
    expect(await caller().tag.list()).toEqual({ tags: [] });
  });

  it('lists tags in use, most used first, ties by name', async () => {
    const author = await createUser(db);
    await createArticle(db, author, { tagList: ['rust', 'go', 'zig'] });
    await createArticle(db, author, { tagList: ['rust', 'go'] });
    await createArticle(db, author, { tagList: ['rust'] });
    await createArticle(db, author, { tagList: ['ada'] });

    expect(await caller().tag.list()).toEqual({ tags: ['rust', 'go', 'ada', 'zig'] });
  });

  it('leaves out tags no article carries any more', async () => {
    const author = await createUser(db);
    await createArticle(db, author, { tagList: ['kept'] });
    const gone = await createArticle(db, author, { tagList: ['orphan'] });
    const { articles, eq } = await import('@conduit/db');
    await db.delete(articles).where(eq(articles.id, gone.id));

    expect(await caller().tag.list()).toEqual({ tags: ['kept'] });
  });

  it('returns at most `limit` tags', async () => {
    const author = await createUser(db);
    await createArticle(db, author, { tagList: Array.from({ length: 30 }, (_, i) => `t${i}`) });

    expect((await caller().tag.list()).tags).toHaveLength(20);
    expect((await caller().tag.list({ limit: 5 })).tags).toHaveLength(5);
  });

  it('refuses a limit out of bounds, naming the field', async () => {
    const error = await caller()
      .tag.list({ limit: 1000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
  });
});
