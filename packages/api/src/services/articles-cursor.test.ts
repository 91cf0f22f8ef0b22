import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './articles-cursor';

describe('article cursors', () => {
  it('round-trip, to the microsecond', () => {
    const cursor = { createdAt: '2024-03-01T12:00:00.123456Z', id: 42 };
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).toEqual(cursor);
  });

  it.each([
    ['garbage', 'not a cursor'],
    ['empty', ''],
    ['padding', `${encodeCursor({ createdAt: '2024-03-01T12:00:00.123456Z', id: 1 })}=`],
    ['milliseconds only', Buffer.from('2024-03-01T12:00:00.123Z|1').toString('base64url')],
    ['no id', Buffer.from('2024-03-01T12:00:00.123456Z|').toString('base64url')],
    ['id 0', Buffer.from('2024-03-01T12:00:00.123456Z|0').toString('base64url')],
    [
      'id beyond integer',
      Buffer.from('2024-03-01T12:00:00.123456Z|2147483648').toString('base64url'),
    ],
    ['impossible date', Buffer.from('2024-02-30T12:00:00.123456Z|1').toString('base64url')],
    ['impossible hour', Buffer.from('2024-03-01T25:00:00.123456Z|1').toString('base64url')],
    // Found by the fuzz suite: a cursor of year 0 reached the database, which answered an error.
    [
      'year 0000, which PostgreSQL lacks',
      Buffer.from('0000-01-01T00:00:00.000000Z|1').toString('base64url'),
    ],
    ['trailing text', Buffer.from('2024-03-01T12:00:00.123456Z|1;drop').toString('base64url')],
    ['too long', 'A'.repeat(101)],
  ])('refuse %s', (_, value) => {
    expect(decodeCursor(value)).toBeNull();
  });
});
