import { describe, expect, it } from 'vitest';
import {
  BODY_MAX_CHARS,
  BODY_MIN_CHARS,
  generateArticleText,
  generateUsername,
  slugify,
} from './content';
import { Random } from './random';
import { drawArticleTags, drawTag } from './topics';
import { tagVocabulary } from './words';

describe('generateUsername', () => {
  it('draws valid names, unique case-insensitively, against names already taken', () => {
    const rng = new Random(1);
    const taken = new Set(['alice_smith', 'alice_smith@example.com']);
    const names: string[] = [];
    for (let i = 0; i < 3_000; i++) {
      const name = generateUsername(rng, (lower) => !taken.has(lower));
      taken.add(name.toLowerCase());
      names.push(name);
    }
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(new Set(names.map((name) => name.toLowerCase())).size).toBe(names.length);
    expect(names.map((name) => name.toLowerCase())).not.toContain('alice_smith');
  });
});

describe('generateArticleText', () => {
  it('writes bodies of 300 to 2500 characters of Markdown, within the column limits', () => {
    const rng = new Random(2);
    const lengths: number[] = [];
    let withHeading = 0;
    let withCode = 0;
    for (let i = 0; i < 500; i++) {
      const tags = drawArticleTags(rng, drawTag(rng));
      const text = generateArticleText(rng, tags);
      lengths.push(text.body.length);
      if (text.body.includes('\n## ')) withHeading++;
      if (text.body.includes('\n```')) withCode++;
      expect(text.title.length).toBeGreaterThan(0);
      expect(text.title.length).toBeLessThanOrEqual(200);
      expect(text.description.length).toBeLessThanOrEqual(1000);
      expect(text.body.trimEnd().endsWith('#')).toBe(false);
    }
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(BODY_MIN_CHARS);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(BODY_MAX_CHARS);
    expect(withHeading).toBeGreaterThan(250);
    expect(withCode).toBeGreaterThan(50);
  });
});

describe('drawArticleTags', () => {
  it('draws 1 to 5 distinct tags, popular ones most often', () => {
    const rng = new Random(3);
    const uses = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) {
      const tags = drawArticleTags(rng, drawTag(rng));
      expect(tags.length).toBeGreaterThanOrEqual(1);
      expect(tags.length).toBeLessThanOrEqual(5);
      expect(new Set(tags.map((tag) => tag.name)).size).toBe(tags.length);
      for (const tag of tags) uses.set(tag.name, (uses.get(tag.name) ?? 0) + 1);
    }
    const first = tagVocabulary[0]?.name ?? '';
    const last = tagVocabulary.at(-1)?.name ?? '';
    expect(uses.get(first) ?? 0).toBeGreaterThan(5 * (uses.get(last) ?? 0));
  });

  it('has a vocabulary of valid, unique tag names', () => {
    const names = tagVocabulary.map((tag) => tag.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9-]{1,64}$/);
  });
});

describe('slugify', () => {
  it('keeps lowercase ASCII words joined by dashes', () => {
    expect(slugify('Why Caching Is Harder Than It Looks')).toBe(
      'why-caching-is-harder-than-it-looks',
    );
    expect(slugify('Node.js vs. Déno: An Honest Comparison!')).toBe(
      'node-js-vs-deno-an-honest-comparison',
    );
    expect(slugify('!!!')).toBe('article');
    expect(slugify('x'.repeat(300)).length).toBe(80);
  });
});
