import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { censorLine, SECRET_KEYS } from './censor-line';
import { CENSOR } from './redact';

const secret = new Set<string>(SECRET_KEYS);

/** What the line must become: every secret key's value, at any depth, replaced by the censor. */
function censored(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(censored);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, secret.has(key) ? CENSOR : censored(inner)]),
  );
}

describe('censorLine', () => {
  it.each<[object]>([
    [{ req: { headers: { authorization: 'Token abc', host: 'x' } } }],
    [{ res: { headers: { 'set-cookie': ['a=1', 'b=2'] } }, responseTime: 2 }],
    [{ password: 'top level', level: 30 }],
    [{ input: { user: { credentials: { password: 'deep', email: 'a@b.co' } } } }],
    [{ token: { nested: { token: 'x' } }, after: 1 }],
    [{ secret: 12.5, next: true }],
    [{ a: [{ newPassword: null }, { currentPassword: 'x"}],{' }] }],
  ])('censors %j', (object) => {
    const line = JSON.stringify(object);
    const out = censorLine(line);
    expect(JSON.parse(out)).toEqual(censored(object));
    expect(out).toContain(CENSOR);
  });

  it('leaves a line with no secret key as it is, and key names inside strings alone', () => {
    const lines = [
      JSON.stringify({ msg: 'incoming request', req: { url: '/api/articles?limit=2' } }),
      JSON.stringify({ msg: '{"password":"not a key, a string"}', tokens: 3 }),
      JSON.stringify({ note: 'a,"token":1' }),
    ];
    for (const line of lines) expect(censorLine(line)).toBe(line);
  });

  it('censors every secret of generated JSON, at any depth, and keeps the rest', () => {
    const key = fc.oneof(
      fc.constantFrom(...SECRET_KEYS),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('tokens', 'passwords', 'x-token', 'Password'),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 6 }), (object) => {
        const out = censorLine(JSON.stringify(object));
        expect(JSON.parse(out)).toEqual(censored(JSON.parse(JSON.stringify(object))));
      }),
      { numRuns: 500 },
    );
  });
});
