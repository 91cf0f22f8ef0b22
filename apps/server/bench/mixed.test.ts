// The mixed phase's pure parts: how a read-back is understood, and how long the phase is counted.
import { describe, expect, it } from 'vitest';
import { measurementCount, parseOptions } from './cli';
import { descriptionIn, favoritesCountIn, pageArticlesIn } from './phases/mixed';

describe('the mixed phase', () => {
  it('reads the favorites count from article.get over either surface', () => {
    expect(favoritesCountIn('REST', { article: { slug: 'a', favoritesCount: 3 } })).toBe(3);
    expect(favoritesCountIn('tRPC', { result: { data: { article: { favoritesCount: 0 } } } })).toBe(
      0,
    );
  });

  it('finds no count in an answer of the other surface, an error or a count that is not a number', () => {
    expect(favoritesCountIn('tRPC', { article: { favoritesCount: 3 } })).toBeUndefined();
    expect(
      favoritesCountIn('REST', { result: { data: { article: { favoritesCount: 3 } } } }),
    ).toBeUndefined();
    expect(favoritesCountIn('REST', { errors: { slug: ['not found'] } })).toBeUndefined();
    expect(favoritesCountIn('tRPC', { error: { message: 'Not found' } })).toBeUndefined();
    expect(favoritesCountIn('REST', { article: { favoritesCount: '3' } })).toBeUndefined();
    expect(favoritesCountIn('REST', null)).toBeUndefined();
  });

  it("reads a list page's articles and an article's description over either surface", () => {
    const listed = [{ slug: 'a', description: 'first', favoritesCount: 1 }];
    const summary = [{ slug: 'a', description: 'first' }];
    expect(pageArticlesIn('REST', { articles: listed, articlesCount: 1 })).toEqual(summary);
    expect(pageArticlesIn('tRPC', { result: { data: { articles: listed } } })).toEqual(summary);
    expect(pageArticlesIn('tRPC', { articles: listed })).toBeUndefined();
    expect(pageArticlesIn('REST', { errors: { tag: ['too long'] } })).toBeUndefined();
    expect(pageArticlesIn('REST', null)).toBeUndefined();

    expect(descriptionIn('REST', { article: { description: 'edited' } })).toBe('edited');
    expect(descriptionIn('tRPC', { result: { data: { article: { description: '' } } } })).toBe('');
    expect(descriptionIn('tRPC', { article: { description: 'edited' } })).toBeUndefined();
    expect(descriptionIn('REST', { errors: { slug: ['not found'] } })).toBeUndefined();
  });

  it('counts three reads over two surfaces, alone and with writes, per round', () => {
    const options = parseOptions(['--phases', 'mixed', '--rounds', '2']);
    expect(measurementCount('mixed', options)).toBe(24);
    expect(measurementCount('mixed', { ...options, endpoints: ['article.get'] })).toBe(8);
  });
});
