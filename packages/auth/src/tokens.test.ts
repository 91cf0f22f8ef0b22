import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  generateSessionToken,
  hashSecret,
  parseSessionToken,
  SESSION_ID_LENGTH,
  SESSION_SECRET_LENGTH,
} from './tokens';

const BASE32 = /^[a-z2-7]+$/;

describe('generateSessionToken', () => {
  it('makes <id>.<secret> with at least 120 bits of id and 160 bits of secret, in base32', () => {
    const { id, secret, token } = generateSessionToken();
    expect(token).toBe(`${id}.${secret}`);
    expect(id).toMatch(BASE32);
    expect(secret).toMatch(BASE32);
    // Each base32 character carries 5 bits.
    expect(id.length * 5).toBeGreaterThanOrEqual(120);
    expect(secret.length * 5).toBeGreaterThanOrEqual(160);
    expect(id).toHaveLength(SESSION_ID_LENGTH);
    expect(secret).toHaveLength(SESSION_SECRET_LENGTH);
  });

  it('never repeats an id or a secret over many draws', () => {
    const draws = Array.from({ length: 10_000 }, generateSessionToken);
    expect(new Set(draws.map((d) => d.id)).size).toBe(draws.length);
    expect(new Set(draws.map((d) => d.secret)).size).toBe(draws.length);
  });

  it('uses the whole alphabet at every position (no fixed or biased characters)', () => {
    // With 2,000 draws, a character missing from a position would happen by chance with
    // probability about 32 * (31/32)^2000, i.e. never; a broken encoder (padding, a constant bit
    // pattern in the last character) fails at once.
    const draws = Array.from({ length: 2_000 }, () => generateSessionToken().secret);
    for (let position = 0; position < SESSION_SECRET_LENGTH; position++) {
      const seen = new Set(draws.map((secret) => secret[position]));
      expect(seen.size, `position ${position}`).toBe(32);
    }
  });
});

describe('parseSessionToken', () => {
  const { id, secret, token } = generateSessionToken();

  it('splits a well-formed token', () => {
    expect(parseSessionToken(token)).toEqual({ id, secret });
  });

  it.each([
    ['empty', ''],
    ['no dot', `${id}${secret}`],
    ['extra dot', `${id}.${secret}.x`],
    ['two dots', `${id}..${secret.slice(1)}`],
    ['dot elsewhere', `${id.slice(1)}.${id.slice(0, 1)}${secret}`],
    ['upper case', token.toUpperCase()],
    ['outside the alphabet (0, 1, 8, 9)', `${id}.${'0189'.repeat(8)}`],
    ['base64 characters', `${id}.${secret.slice(0, -2)}-_`],
    ['short secret', `${id}.${secret.slice(1)}`],
    ['long secret', `${id}.${secret}a`],
    ['short id', `${id.slice(1)}.${secret}a`],
    ['whitespace around', ` ${token}`],
    ['trailing newline', `${token}\n`],
    ['oversized', `${id}.${'a'.repeat(1_000_000)}`],
    ['Unicode look-alike', `${id}.${secret.slice(0, -1)}а`], // Cyrillic а
  ])('refuses a token with %s', (_case, bad) => {
    expect(parseSessionToken(bad)).toBeNull();
  });

  it('refuses non-strings without throwing', () => {
    expect(parseSessionToken(undefined as unknown as string)).toBeNull();
    expect(parseSessionToken({ length: token.length } as unknown as string)).toBeNull();
  });
});

describe('hashSecret and constantTimeEqual', () => {
  it('hashes to the 32-byte SHA-256 of the secret', () => {
    const digest = hashSecret('abc');
    expect(digest).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(digest).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('tells equal from different byte strings, and different lengths apart', () => {
    const a = hashSecret('one');
    expect(constantTimeEqual(a, hashSecret('one'))).toBe(true);
    expect(constantTimeEqual(a, hashSecret('two'))).toBe(false);
    const flipped = Uint8Array.from(a);
    flipped[31] = (flipped[31] ?? 0) ^ 1;
    expect(constantTimeEqual(a, flipped)).toBe(false);
    expect(constantTimeEqual(a, a.subarray(0, 31))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
