import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import {
  ARGON2_OPTIONS,
  hashPassword,
  needsRehash,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyAgainstDummy,
  verifyPassword,
} from './passwords';

describe('hashPassword and verifyPassword', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse');
    expect(await verifyPassword(stored, 'correct horse')).toBe(true);
    expect(await verifyPassword(stored, 'correct horsE')).toBe(false);
    expect(await verifyPassword(stored, 'correct horse ')).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
  });

  it('stores argon2id at the OWASP cost, with a fresh salt each time', async () => {
    const first = await hashPassword('same password');
    const second = await hashPassword('same password');
    expect(first.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(second).not.toBe(first);
    expect(first).not.toContain('same password');
  });

  it('accepts spaces and any Unicode, and treats composed and decomposed accents alike', async () => {
    const password = '  пароль 密码 🔐 naïve\tspace ';
    const stored = await hashPassword(password);
    expect(await verifyPassword(stored, password)).toBe(true);
    expect(await verifyPassword(stored, password.trim())).toBe(false);
    const composed = await hashPassword('caf\u00e9 au lait');
    expect(await verifyPassword(composed, 'cafe\u0301 au lait')).toBe(true);
  });

  it('accepts 256 code points and hashes all of them (no truncation)', async () => {
    // Astral characters are two UTF-16 units each: the limit counts code points, not units.
    const long = '🔐'.repeat(PASSWORD_MAX_LENGTH - 1);
    const a = await hashPassword(`${long}a`);
    const b = await hashPassword(`${long}b`);
    expect(await verifyPassword(a, `${long}a`)).toBe(true);
    expect(await verifyPassword(a, `${long}b`)).toBe(false);
    expect(await verifyPassword(b, `${long}a`)).toBe(false);
  });

  it('refuses to hash passwords outside 8 to 256 code points', async () => {
    expect(PASSWORD_MIN_LENGTH).toBe(8);
    expect(PASSWORD_MAX_LENGTH).toBe(256);
    await expect(hashPassword('x'.repeat(7))).rejects.toThrow(RangeError);
    await expect(hashPassword('🔐'.repeat(257))).rejects.toThrow(RangeError);
    await expect(hashPassword('🔐'.repeat(8))).resolves.toMatch(/^\$argon2id\$/);
  });

  it('verifies the stored seed hash', async () => {
    const seed =
      '$argon2id$v=19$m=19456,t=2,p=1$J+t7PNFLRwuKA7JF6DZ4LQ$ahmOzHln/aGPKUEjDZBNN9RZPeBx16gihJjFu9DSTEA';
    expect(await verifyPassword(seed, 'conduit-demo')).toBe(true);
    expect(await verifyPassword(seed, 'conduit-demO')).toBe(false);
  });

  it.each([
    ['garbage', 'garbage'],
    ['empty', ''],
    ['bcrypt', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'],
    ['cut short', '$argon2id$v=19$m=19456,t=2,p=1$J+t7PNFLRwuKA7JF6DZ4LQ$ahmOz'],
    [
      'absurd cost',
      '$argon2id$v=19$m=1,t=1,p=1$J+t7PNFLRwuKA7JF6DZ4LQ$ahmOzHln/aGPKUEjDZBNN9RZPeBx16gihJjFu9DSTEA',
    ],
  ])('answers false, without throwing, for a malformed hash (%s)', async (_case, stored) => {
    await expect(verifyPassword(stored, 'conduit-demo')).resolves.toBe(false);
  });
});

describe('verifyAgainstDummy', () => {
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const timed = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };

  it('fails, after spending about as long as a real verification', async () => {
    const stored = await hashPassword('a real password');
    await verifyAgainstDummy('warm up'); // makes the dummy hash once
    const real: number[] = [];
    const dummy: number[] = [];
    for (let i = 0; i < 5; i++) {
      real.push(await timed(() => verifyPassword(stored, 'a guess')));
      dummy.push(await timed(() => verifyAgainstDummy('a guess')));
    }
    expect(await verifyAgainstDummy('a guess')).toBe(false);
    // A loose lower bound only: the point is that argon2 really ran (a shortcut takes well under
    // a millisecond). No upper bound, which a loaded CI machine could break.
    expect(median(dummy)).toBeGreaterThan((median(real) ?? 0) * 0.3);
  });
});

describe('needsRehash', () => {
  it('is false for a hash made with the current options', async () => {
    expect(needsRehash(await hashPassword('current options'))).toBe(false);
  });

  it('is false for a stronger hash', async () => {
    const stronger = await hash('stronger', { ...ARGON2_OPTIONS, timeCost: 3 });
    expect(needsRehash(stronger)).toBe(false);
  });

  it.each([
    ['less memory', { memoryCost: 8192 }],
    ['fewer passes', { timeCost: 1 }],
    ['argon2i', { algorithm: 1 as const }], // Algorithm.Argon2i
    ['a shorter output', { outputLen: 16 }],
  ])('is true for a hash with %s', async (_case, weaker) => {
    expect(needsRehash(await hash('weaker', { ...ARGON2_OPTIONS, ...weaker }))).toBe(true);
  });

  it('is true for what is not an argon2 hash', () => {
    expect(needsRehash('garbage')).toBe(true);
    expect(needsRehash('$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy')).toBe(true);
  });
});
