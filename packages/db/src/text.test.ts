import { describe, expect, it } from 'vitest';
import { isStorableText, unstorableTextProblem } from './text';

describe('isStorableText', () => {
  it.each([
    ['plain text', 'hello'],
    ['emoji and 4-byte characters (surrogate pairs)', '😀 𝄞 𠀋'],
    ['right-to-left and combining marks', '\u202Eabc e\u0301'],
    ['other control characters', '\u0001\u001f\u007f'],
    ['noncharacters', '\uFFFE\uFFFF'],
  ])('accepts %s', (_, value) => {
    expect(isStorableText(value)).toBe(true);
    expect(unstorableTextProblem(value)).toBeUndefined();
  });

  it.each([
    ['a NUL', 'a\u0000b', /NUL/],
    ['a lone high surrogate', 'a\ud83d', /surrogate/],
    ['a lone low surrogate', '\ude00b', /surrogate/],
    ['a pair in the wrong order', '\ude00\ud83d', /surrogate/],
  ])('refuses %s, saying why', (_, value, why) => {
    expect(isStorableText(value)).toBe(false);
    expect(unstorableTextProblem(value)).toMatch(why);
  });
});
