// Article slugs: readable, URL-safe, Unicode-aware names made from titles, unique in the database.
import { randomBytes } from 'node:crypto';
import { articleSlugs, type Database, inArray, uniqueViolation } from '@conduit/db';

/** Longest slug made from a title; suffixes for uniqueness come on top (the column allows 255). */
export const SLUG_BASE_MAX_LENGTH = 100;
/** The slug of a title with no letter or digit in it (all emoji or punctuation). */
export const FALLBACK_SLUG = 'article';

// Marks that only decorate what comes before them (emoji presentation, keycaps), never letters.
const decorations = /\p{Me}|[\u{FE00}-\u{FE0F}]|[\u{E0100}-\u{E01EF}]|\u200D/gu;
// Accents on Latin letters go ("café" → "cafe", as people type it); the marks of other scripts
// stay, because there they are part of the spelling (Devanagari vowel signs, Thai tones...).
const latinAccents = /(\p{Script=Latin})\p{M}+/gu;
// A word: a letter or digit of any script, then letters, digits and the marks that belong to them.
const word = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu;

/**
 * The slug of a title: lower case, words of letters and digits of any script joined by `-`,
 * everything else (spaces, punctuation, symbols, emoji) a separator; at most
 * SLUG_BASE_MAX_LENGTH characters, never empty. Browsers percent-encode the non-ASCII letters.
 */
export function slugify(title: string): string {
  const text = title
    .normalize('NFKD')
    .replace(decorations, '')
    .replace(latinAccents, '$1')
    // Recompose what NFKD split apart (Hangul syllables, Greek and Cyrillic accented letters).
    .normalize('NFC')
    .toLowerCase();
  const words = text.match(word) ?? [];
  const slug = Array.from(words.join('-')).slice(0, SLUG_BASE_MAX_LENGTH).join('');
  return slug.replace(/-+$/, '') || FALLBACK_SLUG;
}

/** How many numbered slugs (`base-2` … ) are tried before a random suffix. */
const NUMBERED_CANDIDATES = 20;
const RANDOM_ATTEMPTS = 5;

function randomSuffix(): string {
  // 6 base-36 characters, about 31 bits: collisions are unlikely and simply retried.
  const n = randomBytes(4).readUInt32BE(0) % 36 ** 6;
  return n.toString(36).padStart(6, '0');
}

/**
 * The slugs to try for `base`, best first: `base`, then the free ones of `base-2` … `base-21`
 * (looked up in one query, only after `base` turned out taken), then random suffixes.
 */
async function* slugCandidates(db: Database, base: string): AsyncGenerator<string> {
  yield base;
  const numbered = Array.from({ length: NUMBERED_CANDIDATES }, (_, i) => `${base}-${i + 2}`);
  // Earlier slugs of every article are taken too (decision 031): the history holds them all.
  const taken = await db
    .select({ slug: articleSlugs.slug })
    .from(articleSlugs)
    .where(inArray(articleSlugs.slug, numbered));
  const takenSlugs = new Set(taken.map((row) => row.slug));
  for (const slug of numbered) if (!takenSlugs.has(slug)) yield slug;
  for (let i = 0; i < RANDOM_ATTEMPTS; i++) yield `${base}-${randomSuffix()}`;
}

/**
 * Runs `write` with a unique slug for `base`. What makes it unique is the database (the unique
 * constraint, and the slug history's trigger, which refuses another article's earlier slug under
 * the same constraint name), not the look-up: each attempt runs in a savepoint, and an attempt that collides with
 * a slug taken meanwhile (by a concurrent request) is rolled back and the next candidate tried.
 * Must be called inside a transaction (`tx`).
 */
export async function withUniqueSlug<T>(
  tx: Database,
  base: string,
  write: (tx: Database, slug: string) => Promise<T>,
): Promise<T> {
  // Wrapped: a write that answers undefined must not read as a taken slug.
  const { value } = await withFreeSlug(tx, base, async (slug) => ({
    value: await tx.transaction((savepoint) => write(savepoint, slug)),
  }));
  return value;
}

/**
 * Runs `write` with each of `base`'s candidates until one is free, as withUniqueSlug does, but
 * without a savepoint of its own: for a write of one statement outside a transaction, whose
 * failure takes nothing else with it. Inside one, `write` must make its own savepoint (as
 * withUniqueSlug's does): a refused slug would abort the transaction, and every later candidate
 * fail with it. `write` answers undefined for a slug it found taken (`on conflict do nothing` on
 * articles_slug_key) and fails as articles_slug_key for one the history's trigger refuses; either
 * way the next candidate is tried.
 */
export async function withFreeSlug<T>(
  db: Database,
  base: string,
  write: (slug: string) => Promise<T | undefined>,
): Promise<T> {
  for await (const slug of slugCandidates(db, base)) {
    try {
      const written = await write(slug);
      if (written !== undefined) return written;
    } catch (error) {
      if (uniqueViolation(error) !== 'articles_slug_key') throw error;
    }
  }
  throw new Error(`No free slug for "${base}" after every candidate`);
}
