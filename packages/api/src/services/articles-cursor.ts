// Cursors of newest-first article lists: the (created_at, id) of the last article shown.
//
// Encoded as base64url of `<created_at in UTC, to the microsecond>|<id>`. The database keeps
// microseconds; a millisecond cursor (a JS Date) would skip or repeat articles created within the
// same millisecond, so the cursor's time comes from the database as text, never through a Date.

export interface ArticleCursor {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` */
  createdAt: string;
  id: number;
}

const ID_MAX = 2_147_483_647; // the column is an integer
const payloadFormat = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([1-9]\d{0,9})$/;
const base64url = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(cursor: ArticleCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');
}

/** The cursor `value` stands for, or null if it is not one this module made. */
export function decodeCursor(value: string): ArticleCursor | null {
  if (!base64url.test(value) || value.length > 100) return null;
  const match = payloadFormat.exec(Buffer.from(value, 'base64url').toString('utf8'));
  const [, createdAt, idText] = match ?? [];
  if (createdAt === undefined || idText === undefined) return null;
  const id = Number(idText);
  if (id > ID_MAX || !isRealTime(createdAt)) return null;
  const cursor = { createdAt, id };
  // One spelling per cursor: anything else (stray bits, padding) was not made here.
  return encodeCursor(cursor) === value ? cursor : null;
}

/**
 * Whether the timestamp names a real instant (no 30 February, no 25 o'clock) that PostgreSQL can
 * hold: JavaScript reads year 0000 as 1 BC, PostgreSQL refuses it (date/time field value out of
 * range).
 */
function isRealTime(iso: string): boolean {
  if (iso.startsWith('0000')) return false;
  const millis = `${iso.slice(0, 23)}Z`;
  const time = Date.parse(millis);
  return !Number.isNaN(time) && new Date(time).toISOString() === millis;
}
