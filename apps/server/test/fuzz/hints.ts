// What the schemas cannot say: values that exist in the seeded world (or are fresh and valid),
// and their near misses, for the fields the schemas name. Without them, generated slugs,
// usernames and passwords would almost never name anything, and every request would stop at 404.
import fc from 'fast-check';
import type { InputContext, JsonSchema } from './inputs';
import type { Json } from './json';
import { WORLD } from './world';

/**
 * Cursors in the list cursor's own format (base64url of `<created_at>|<id>`, services/
 * articles-cursor.ts) naming instants and ids at the edges of what JavaScript and PostgreSQL hold.
 */
const FORGED_CURSORS = [
  '0000-01-01T00:00:00.000000Z|1',
  '0001-01-01T00:00:00.000000Z|1',
  '1969-12-31T23:59:59.999999Z|1',
  '9999-12-31T23:59:59.999999Z|2147483647',
  '2024-02-29T12:00:00.000000Z|1',
  '2025-02-29T12:00:00.000000Z|1',
  '2025-01-01T23:59:60.000000Z|1',
  '2025-01-03T12:00:00.000000Z|2147483648',
  '2025-01-03T12:00:00.000000Z|0',
].map((payload) => Buffer.from(payload, 'utf8').toString('base64url'));

const variants = (values: string[]) =>
  values.flatMap((v) => [v.toUpperCase(), ` ${v} `, `${v}/`, encodeURIComponent(v)]);

/** A fresh address the email rule accepts (fc.emailAddress() makes some it refuses). */
const freshEmail = fc.stringMatching(/^[a-z][a-z0-9]{0,12}$/).map((name) => `${name}@example.com`);

/** Values that exist in the world (or fresh valid ones) for the fields the schemas name. */
export function worldValue(
  name: string,
  schema: JsonSchema,
  context: InputContext,
): fc.Arbitrary<Json> | null {
  switch (name) {
    case 'slug':
      return fc.constantFrom(...WORLD.slugs);
    case 'username':
    case 'author':
    case 'favorited':
      return fc.constantFrom(...WORLD.usernames);
    case 'email':
      return fc.oneof(
        { arbitrary: fc.constantFrom(...WORLD.emails), weight: 1 },
        { arbitrary: freshEmail, weight: 2 },
      );
    case 'password':
    case 'currentPassword':
      return fc.constantFrom(...WORLD.passwords, 'a new password');
    case 'id':
      return schema.type === 'string'
        ? fc.constantFrom(...WORLD.sessionIds)
        : fc.constantFrom(...WORLD.commentIds);
    case 'tag':
      return fc.constantFrom(...WORLD.tags);
    case 'tagList':
      return fc.subarray([...WORLD.tags, 'New Tag']);
    case 'cursor':
      return schema.type === 'string'
        ? fc.constant(context.world.articleCursor)
        : fc.constantFrom(1, 2);
    case 'image':
      return fc.constantFrom('https://example.com/me.png', '');
    case 'role':
      return fc.constantFrom('user', 'moderator', 'admin');
    case 'lastEventId':
      return fc.constantFrom('1', '3', null);
    case 'reason':
      return fc.constant('Spam, removed');
    case 'q':
      // Searches in web-search syntax over words the world's articles hold (decision 030).
      return fc.constantFrom(...WORLD.tags, `"${WORLD.tags[0] ?? 'a'} x"`, 'a or b -c');
    default:
      return null;
  }
}

/** Near misses of the world's values: another case, spaces, encoded, unknown, just invalid. */
export function nearMiss(
  name: string,
  schema: JsonSchema,
  context: InputContext,
): fc.Arbitrary<Json> | null {
  switch (name) {
    case 'slug':
      return fc.constantFrom(...variants(WORLD.slugs), 'no-such-article');
    case 'username':
    case 'author':
    case 'favorited':
      return fc.constantFrom(...variants(WORLD.usernames), 'nobody');
    case 'email':
      return fc.oneof(
        fc.constantFrom('ALICE@example.COM', ' alice@example.com'),
        fc.emailAddress(),
      );
    case 'password':
    case 'currentPassword':
      return fc.constantFrom('wrong password', 'short', WORLD.passwords[0]?.toUpperCase() ?? '');
    case 'id':
      return schema.type === 'string' ? fc.constant('no-such-session') : fc.constant(999);
    case 'q':
      return fc.constantFrom(`'":&|!()<>*`, '"unbalanced', '-', 'or', 'the', '  ', 'x'.repeat(201));
    case 'tag':
      return fc.constantFrom(...variants(WORLD.tags));
    case 'tagList':
      return fc.oneof(
        fc.constant<Json>(['  spaced  ', 'DRAGONS', 'dragons']),
        // At and past the most tags an article may have (a rule the JSON Schema cannot say).
        fc.constantFrom(10, 11).map((n) => Array.from({ length: n }, (_, i) => `tag${i}`)),
      );
    case 'cursor':
      return schema.type === 'string'
        ? fc.constantFrom(`${context.world.articleCursor}x`, 'not-a-cursor', ...FORGED_CURSORS)
        : fc.constantFrom(1000, Number.MAX_SAFE_INTEGER);
    case 'image':
      return fc.constantFrom('http://a', 'javascript:alert(1)', 'https://', 'https://a b');
    case 'role':
      return fc.constantFrom('ADMIN', 'root', '');
    case 'lastEventId':
      return fc.constantFrom('0', '2147483648', '01', 'abc');
    default:
      return null;
  }
}
