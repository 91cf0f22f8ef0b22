import { describe, expect, it } from 'vitest';
import { FALLBACK_SLUG, SLUG_BASE_MAX_LENGTH, slugify } from './slugs';

describe('slugify', () => {
  it.each([
    ['How to Train Your Dragon', 'how-to-train-your-dragon'],
    ['  Spaces   and---dashes  ', 'spaces-and-dashes'],
    ['Node.js vs. Déno: An Honest Comparison!', 'node-js-vs-deno-an-honest-comparison'],
    ['Ünïcödé Çafé', 'unicode-cafe'],
    ['Καλημέρα κόσμε', 'καλημέρα-κόσμε'],
    ['Привет, мир!', 'привет-мир'],
    ['你好 世界', '你好-世界'],
    ['日本語のタイトル', '日本語のタイトル'],
    ['한국어 제목', '한국어-제목'],
    ['नमस्ते दुनिया', 'नमस्ते-दुनिया'],
    ['Rust 🚀 in production 🔥', 'rust-in-production'],
    ['C++ & C#: 2 languages', 'c-c-2-languages'],
    ['1️⃣ keycap', '1-keycap'],
  ])('%s → %s', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it('falls back when a title has no letter or digit', () => {
    expect(slugify('🚀🔥')).toBe(FALLBACK_SLUG);
    expect(slugify('!!! ???')).toBe(FALLBACK_SLUG);
  });

  it('is URL-safe: no reserved characters, and percent-encoding round-trips', () => {
    for (const title of ['a/b?c#d%e&f=g', 'Καλημέρα κόσμε', '你好 世界', 'x"<y>\'z']) {
      const slug = slugify(title);
      expect(slug).not.toMatch(/[/?#%&=\s"'<>]/);
      expect(decodeURIComponent(encodeURIComponent(slug))).toBe(slug);
    }
  });

  it('cuts long titles, by characters (not UTF-16 units), without a trailing dash', () => {
    const slug = slugify(`${'word '.repeat(50)}end`);
    expect([...slug].length).toBeLessThanOrEqual(SLUG_BASE_MAX_LENGTH);
    expect(slug).not.toMatch(/-$/);
    const astral = slugify('𠀀'.repeat(150));
    expect([...astral]).toHaveLength(SLUG_BASE_MAX_LENGTH);
    expect(astral).not.toMatch(/\p{Cs}/u); // no half of a surrogate pair
  });
});
