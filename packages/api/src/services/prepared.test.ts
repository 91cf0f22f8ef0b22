// Hot reads are built once per database handle, never for a transaction's.
import { getTestDb } from '@conduit/db/testing';
import { describe, expect, it } from 'vitest';
import { preparedByShape, preparedPer } from './prepared';

describe('preparedPer', () => {
  it('builds once per database, and nothing for a transaction', async () => {
    const { db } = await getTestDb();
    let builds = 0;
    const prepared = preparedPer(() => {
      builds += 1;
      return { built: builds };
    });
    expect(prepared(db)).toEqual({ built: 1 });
    expect(prepared(db)).toBe(prepared(db));
    expect(builds).toBe(1);
    await db.transaction(async (tx) => {
      expect(prepared(tx)).toBeUndefined();
    });
    expect(builds).toBe(1);
  });

  it('builds once per database and shape', async () => {
    const { db } = await getTestDb();
    const built: string[] = [];
    const prepared = preparedByShape((_db, shape) => {
      built.push(shape);
      return { shape };
    });
    expect(prepared(db, 'tag')).toEqual({ shape: 'tag' });
    expect(prepared(db, 'tag')).toBe(prepared(db, 'tag'));
    expect(prepared(db, 'author')).toEqual({ shape: 'author' });
    await db.transaction(async (tx) => {
      expect(prepared(tx, 'tag')).toBeUndefined();
    });
    expect(built).toEqual(['tag', 'author']);
  });
});
