// JSON as the fuzzer writes it: values plus raw text (numbers JSON.stringify would round or
// refuse, keys it would drop), encoded by hand so a body can say exactly what is on the wire.
import fc from 'fast-check';

/** Text written into the JSON as is: `9007199254740993`, `1e400`, `-0`, a malformed fragment. */
export class Raw {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `raw(${JSON.stringify(this.text)})`;
  }
}
export const raw = (text: string) => new Raw(text);

export type Json = null | boolean | number | string | Raw | Json[] | { [key: string]: Json };

/** An object whose keys may include `__proto__` as an ordinary key (a null-prototype object). */
export function objectOf(entries: [string, Json][]): { [key: string]: Json } {
  const object: { [key: string]: Json } = Object.create(null);
  for (const [key, value] of entries) object[key] = value;
  return object;
}

/**
 * JSON text. Strings go through JSON.stringify, which writes lone surrogates as `\udXXX` escapes
 * and NUL as `\u0000`; own keys are all written, `__proto__` included; Raw is written verbatim.
 */
export function encodeJson(value: Json): string {
  if (value instanceof Raw) return value.text;
  if (value === null || typeof value !== 'object') {
    // NaN and Infinity have no JSON form: generators send them as strings or Raw text instead.
    return typeof value === 'number' && !Number.isFinite(value) ? 'null' : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(encodeJson).join(',')}]`;
  return `{${Object.keys(value)
    .map((key) => `${JSON.stringify(key)}:${encodeJson(value[key] ?? null)}`)
    .join(',')}}`;
}

// Strings ----------------------------------------------------------------------------------------

const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];

/** Text that has broken servers: control characters, Unicode oddities, encodings, injections. */
export const EDGE_STRINGS = [
  '',
  ' ',
  '  padded  ',
  '\t\r\n',
  '\u0000',
  'a\u0000b',
  ...LONE_SURROGATES.map((s) => `x${s}y`),
  '\ud83d', // the first half of an emoji
  '\u200f\u202eRTL override',
  '\u061c\u200e\u200f',
  'e\u0301\u0301\u0301',
  `z${'\u0300'.repeat(64)}`,
  '😀',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  '1️⃣',
  '𝕳𝖊𝖑𝖑𝖔',
  '𠜎𠜱𠝹',
  '\u{10ffff}',
  '\ufeffBOM',
  '\u200b\u2060',
  '\u2028\u2029',
  'İstanbul ǅ ß ﬁ', // change length when lower-cased or normalised
  'Ⅻ ㎒ ﹏', // compatibility forms NFKC folds
  '%',
  '%2F',
  '%2e%2e',
  '%252F',
  '%00',
  '%2500',
  '%E0%A4%A',
  '%zz',
  '%C0%AF',
  '%ED%A0%80',
  '../../etc/passwd',
  '..',
  '.',
  '/',
  'a/b',
  '\\',
  "' or 1=1 --",
  '"; drop table users; --',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[x](javascript:alert(1))',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, literally
  '${7*7}{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'NaN',
  'Infinity',
  '-Infinity',
  '0',
  '-1',
  '1e309',
  '0x10',
  '2147483648',
  '9007199254740993',
];

const ODD_CHARS = [
  '\u0000',
  ...LONE_SURROGATES,
  '\u202e',
  '\u0301',
  '😀',
  '𝕳',
  'é',
  '東',
  ' ',
  '%',
  '/',
];

/** Letters of every size: ASCII, two-byte, three-byte, and four-byte (two UTF-16 units). */
const FILLS = ['a', 'é', '東', '😀', 'e\u0301'];

/** `fill` repeated to `count` characters (code points for a four-byte fill). */
function filled(fill: string, count: number): string {
  return fill.repeat(Math.max(0, count));
}

/** Strings of lengths at and around `bounds` (each -1, +0, +1), in every character size. */
export function lengthsAround(bounds: number[]): fc.Arbitrary<string> {
  const counts = [...new Set(bounds.flatMap((n) => [n - 1, n, n + 1]).filter((n) => n >= 0))];
  return fc
    .tuple(fc.constantFrom(...counts), fc.constantFrom(...FILLS))
    .map(([count, fill]) => filled(fill, count));
}

/** Any text, well-formed or not: random Unicode with odd characters mixed in. */
export const wildString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...EDGE_STRINGS),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc
    .tuple(
      fc.string({ maxLength: 6 }),
      fc.constantFrom(...ODD_CHARS, ...EDGE_STRINGS),
      fc.string({ maxLength: 6 }),
    )
    .map((parts) => parts.join('')),
);

// Numbers ----------------------------------------------------------------------------------------

/** Numbers around `bounds` and the ones that break integer handling, some only as raw JSON. */
export function numbersAround(bounds: number[]): fc.Arbitrary<Json> {
  const near = bounds.flatMap((n) => [n - 1, n, n + 1, n + 0.5]);
  return fc.oneof(
    fc.constantFrom(
      ...near,
      0,
      -1,
      0.1,
      2 ** 31 - 1,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 32,
      Number.MAX_SAFE_INTEGER,
      1e21,
      -1e21,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
    ),
    // NaN and Infinity have no JSON form: as the strings clients send instead, or numbers JSON
    // reads as Infinity; integers past 2^53 exactly as written.
    fc.constantFrom<Json>(
      'NaN',
      'Infinity',
      '-Infinity',
      '1',
      ' 1',
      '1e2',
      raw('9007199254740993'),
      raw('1e400'),
      raw('-1e400'),
      raw('-0'),
      raw('1E2'),
      raw('100.0'),
      raw('0.0000000000000000000000000000001'),
    ),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );
}

// Any JSON ---------------------------------------------------------------------------------------

/** Nesting deep enough to find recursion without a limit (as raw text, cheap to build). */
export const deepNesting: fc.Arbitrary<Json> = fc
  .tuple(fc.constantFrom(64, 1000, 50_000), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => raw(`${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`));

/** A value of the wrong kind for wherever it goes. */
export const wrongValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, '', [], {}, [null], ['a'], { a: 1 }),
  wildString,
  numbersAround([0]),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  deepNesting,
);
