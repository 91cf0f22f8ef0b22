import type { Sql } from 'postgres';
import { describe, expect, it } from 'vitest';
import { openReplicas } from './replicas';

/** A client whose every statement is left unanswered: a connection held up mid-restart. */
function unanswering(): { sql: Sql; asked: () => number } {
  let asked = 0;
  const tag = () => {
    asked++;
    return new Promise(() => {});
  };
  // What Drizzle reads of a postgres.js client when it wraps one.
  Object.assign(tag, { options: { parsers: {}, serializers: {} } });
  return { sql: tag as unknown as Sql, asked: () => asked };
}

describe('the primary log position after a write', () => {
  it('is given up after a second when the primary does not answer, so the write is answered', async () => {
    const primary = unanswering();
    const replicas = openReplicas(
      {
        client: primary.sql,
        raw: primary.sql,
        prepare: false,
        poolMax: 1,
        traced: false,
        logQuery: () => {},
      },
      { urls: [], maxLagMs: 5000 },
    );
    try {
      const started = Date.now();
      await expect(replicas.primaryPosition()).rejects.toThrow('no answer within 1000 ms');
      expect(primary.asked()).toBeGreaterThanOrEqual(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    } finally {
      await replicas.close();
    }
  });
});
