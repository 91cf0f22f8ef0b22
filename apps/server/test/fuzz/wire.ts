// How a generated request goes on the wire: who sends it (and how they sign in), the body's text
// and content type, query strings and path segments, each well-formed mostly and odd sometimes.
import fc from 'fast-check';
import { encodeJson, type Json, Raw } from './json';
import type { Signer } from './world';

/**
 * Who sends the request: nobody, or a seeded user by token (`Token` or `Bearer`), or by the
 * session cookie from our own origin, a foreign one, or with neither Origin nor Sec-Fetch-Site;
 * or someone with an Authorization header that is no valid token.
 */
export type Actor =
  | { who: 'anonymous' }
  | { who: Signer; via: 'token' | 'bearer' | 'cookie' | 'cookie-foreign' | 'cookie-bare' }
  | { who: 'stranger'; authorization: string };

/** A request as generated; the actor's credentials are added when it is sent. */
export interface FuzzRequest {
  surface: 'trpc' | 'rest' | 'other';
  /** What is called: a procedure path (`article.get`, `tag.list,article.list`) or a route. */
  target: string;
  method: string;
  url: string;
  actor: Actor;
  headers: Record<string, string>;
  body?: string;
  /** A tRPC subscription: an event stream, read until it goes quiet. */
  stream?: boolean;
}

const garbageAuthorization = fc.oneof(
  fc.constantFrom(
    'Token',
    'Token ',
    'Bearer',
    'Basic YWxpY2U6cGFzcw==',
    'Token aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    'Token null',
    `Token ${'a'.repeat(600)}`,
    'token  alicesessionazzzzzzzzzzzzz.x',
    // Personal access tokens (decision 028): well-shaped with a wrong checksum, cut short.
    `Bearer cdt_${'a'.repeat(63)}`,
    'Bearer cdt_',
  ),
  // Only what a header can carry: printable ASCII.
  fc
    .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map(String.fromCharCode), maxLength: 80 })
    .map((s) => `Token ${s}`),
);

/** Anyone: a visitor, a seeded user by any way of signing in, a stranger with a bad token. */
export const actor: fc.Arbitrary<Actor> = fc.oneof(
  { arbitrary: fc.constant<Actor>({ who: 'anonymous' }), weight: 4 },
  { arbitrary: fc.constant<Actor>({ who: 'alice', via: 'token' }), weight: 5 },
  { arbitrary: fc.constant<Actor>({ who: 'alice', via: 'bearer' }), weight: 1 },
  { arbitrary: fc.constant<Actor>({ who: 'alice', via: 'cookie' }), weight: 2 },
  { arbitrary: fc.constant<Actor>({ who: 'alice', via: 'cookie-foreign' }), weight: 1 },
  { arbitrary: fc.constant<Actor>({ who: 'alice', via: 'cookie-bare' }), weight: 1 },
  {
    arbitrary: fc.constantFrom<Actor>({ who: 'mona', via: 'token' }, { who: 'ada', via: 'token' }),
    weight: 3,
  },
  {
    arbitrary: garbageAuthorization.map(
      (authorization): Actor => ({ who: 'stranger', authorization }),
    ),
    weight: 1,
  },
);

/**
 * Who calls a procedure: anyone, but more often someone it lets in (an admin for an admin's
 * procedure), so its own checks run rather than only the gate before them.
 */
export function actorFor(access: string): fc.Arbitrary<Actor> {
  const admitted: fc.Arbitrary<Actor> =
    access === 'admin'
      ? fc.constant({ who: 'ada', via: 'token' })
      : access === 'moderator'
        ? fc.constantFrom<Actor>({ who: 'mona', via: 'token' }, { who: 'ada', via: 'token' })
        : fc.constantFrom<Actor>({ who: 'alice', via: 'token' }, { who: 'alice', via: 'cookie' });
  return access === 'anyone'
    ? actor
    : fc.oneof({ arbitrary: actor, weight: 3 }, { arbitrary: admitted, weight: 2 });
}

// Bodies -----------------------------------------------------------------------------------------

/** JSON text, mostly as written, sometimes broken on the way (truncated, wrapped, commented). */
export function bodyText(value: Json): fc.Arbitrary<string> {
  const text = encodeJson(value);
  return fc.oneof(
    { arbitrary: fc.constant(text), weight: 12 },
    {
      arbitrary: fc.oneof(
        fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => text.slice(0, n)),
        fc.constantFrom(
          `${text}}`,
          `${text},`,
          `\ufeff${text}`,
          `/* c */${text}`,
          `${text}\u0000`,
          text.replaceAll('"', "'"),
          `[${text}`,
          `${text}${text}`,
        ),
        fc.constantFrom(
          '',
          ' ',
          'null',
          '[]',
          '{}',
          '"text"',
          '0',
          'true',
          'NaN',
          '{"a":1,"a":2}',
          'undefined',
        ),
      ),
      weight: 2,
    },
  );
}

/** The Content-Type of a JSON body: the usual one, and the ones clients get wrong. */
export const jsonContentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 10 },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json-patch+json',
      '',
    ),
    weight: 2,
  },
);

/** A JSON body (or none) with its content type. */
export interface Body {
  body?: string;
  headers: Record<string, string>;
}

export function jsonBody(input: Json | undefined): fc.Arbitrary<Body> {
  if (input === undefined) {
    return fc.constantFrom<Body>(
      { headers: {} },
      { body: '', headers: { 'content-type': 'application/json' } },
    );
  }
  return fc
    .tuple(bodyText(input), jsonContentType)
    .map(([body, type]): Body => ({ body, headers: type === '' ? {} : { 'content-type': type } }));
}

// Query strings and paths ------------------------------------------------------------------------

/**
 * Percent-encoding that never throws: a lone surrogate (which has no UTF-8 form) goes out as the
 * three bytes a careless encoder writes for it (WTF-8), `\ud800` as `%ED%A0%80`.
 */
export function percentEncode(
  text: string,
  encode: (text: string) => string = encodeURIComponent,
): string {
  return text
    .split(/([\ud800-\udfff])/u)
    .map((part) => {
      if (part.length !== 1 || !/[\ud800-\udfff]/.test(part)) return encode(part);
      const code = part.charCodeAt(0);
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    })
    .join('');
}

const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

/** One query-string value, encoded as browsers do, or as odder clients do. */
export function queryValue(text: string): fc.Arbitrary<string> {
  const encoded = percentEncode(text);
  return fc.oneof(
    { arbitrary: fc.constant(encoded), weight: 10 },
    {
      arbitrary: fc.constantFrom(
        encoded.replaceAll('%20', '+'),
        lowerHex(encoded),
        encodeURIComponent(encoded),
        percentEncode(text, encodeURI).replaceAll('#', '%23').replaceAll('&', '%26'),
        `${encoded}%`,
        `${encoded}%zz`,
        `${encoded}%00`,
      ),
      weight: 2,
    },
  );
}

/** A path segment for `value`: percent-encoded mostly; sometimes raw, doubled, or traversing. */
export function pathSegment(value: Json): fc.Arbitrary<string> {
  const text =
    typeof value === 'string' ? value : value instanceof Raw ? value.text : encodeJson(value);
  const encoded = percentEncode(text);
  return fc.oneof(
    { arbitrary: fc.constant(encoded), weight: 10 },
    {
      arbitrary: fc.constantFrom(
        percentEncode(text, encodeURI).replaceAll('?', '%3F').replaceAll('#', '%23'),
        encodeURIComponent(encoded),
        `${encoded}%2F..`,
        `${encoded}%2500`,
        `..%2F${encoded}`,
        `${encoded}/`,
        `${encoded};x=1`,
      ),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom(
        '%2F',
        'a%2Fb',
        '%2e%2e',
        '%2e',
        '..',
        '%252F',
        '%00',
        'a%00b',
        '%2500',
        'a%2500b',
        '%',
        '%zz',
        '%C0%AF',
        '%ED%A0%80',
        '%F0%9F%98',
        '%EF%BB%BF',
        'x'.repeat(5001),
      ),
      weight: 2,
    },
  );
}

/** Query parameters odd clients add: repeats, array syntax, unknown keys, empty pairs. */
export const queryNoise: fc.Arbitrary<string[]> = fc.array(
  fc.constantFrom(
    'x=1',
    '&',
    '=',
    'a[]=1',
    '__proto__[x]=1',
    'constructor[prototype][x]=1',
    '%00=1',
    'utf8=%E2%9C%93',
  ),
  { maxLength: 2 },
);

export function queryString(pairs: string[]): string {
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}
