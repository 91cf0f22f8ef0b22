// Hot reads are built once per database handle, never for a transaction's.
import { getTestDb } from '@conduit/db/testing';
import { describe, expect, it } from 'vitest';
import { preparedPer } from './prepared';

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
});
