import { describe, expect, it } from 'vitest';
import { Random, WeightedIndex, zipfWeights } from './random';

const draw = (rng: Random, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('Random', () => {
  it('repeats its sequence for the same seed', () => {
    expect(draw(new Random(42), 20)).toEqual(draw(new Random(42), 20));
  });

  it('gives unrelated sequences for neighbouring seeds, including the high 32 bits', () => {
    const base = draw(new Random(1), 20);
    expect(draw(new Random(2), 20)).not.toEqual(base);
    expect(draw(new Random(1 + 2 ** 32), 20)).not.toEqual(base);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Random(1.5)).toThrow(RangeError);
    expect(() => new Random(2 ** 60)).toThrow(RangeError);
  });

  it('forks streams that differ by label and do not repeat the parent', () => {
    const a = new Random(7).fork('users');
    const b = new Random(7).fork('articles');
    const again = new Random(7).fork('users');
    const first = draw(a, 10);
    expect(draw(again, 10)).toEqual(first);
    expect(draw(b, 10)).not.toEqual(first);
  });

  it('draws floats in [0, 1) with a mean near one half', () => {
    const rng = new Random(3);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
  });

  it('draws integers within both bounds, reaching each of them', () => {
    const rng = new Random(5);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) seen.add(rng.int(-2, 3));
    expect([...seen].sort((x, y) => x - y)).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(() => rng.int(3, 2)).toThrow(RangeError);
  });

  it('honours chance() and weighted() proportions', () => {
    const rng = new Random(9);
    let hits = 0;
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20_000; i++) {
      if (rng.chance(0.25)) hits++;
      counts[rng.weighted(['a', 'b', 'c'] as const, [1, 3, 0])]++;
    }
    expect(hits / 20_000).toBeCloseTo(0.25, 1);
    expect(counts.c).toBe(0);
    expect(counts.b / counts.a).toBeGreaterThan(2.5);
    expect(counts.b / counts.a).toBeLessThan(3.5);
  });

  it('shuffles into a permutation without touching the input', () => {
    const input = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new Random(11).shuffle(input);
    expect(shuffled).not.toEqual(input);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(input);
    expect(input[0]).toBe(0);
  });

  it('draws geometric counts with the requested mean', () => {
    const rng = new Random(13);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += rng.geometric(4);
    expect(sum / 20_000).toBeGreaterThan(3.7);
    expect(sum / 20_000).toBeLessThan(4.3);
    expect(rng.geometric(0)).toBe(0);
  });
});

describe('WeightedIndex', () => {
  it('picks by weight, never a zero weight, and only within the limit', () => {
    const index = new WeightedIndex([0, 1, 0, 3, 6]);
    const rng = new Random(17);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const picked = index.pick(rng);
      counts[picked] = (counts[picked] ?? 0) + 1;
    }
    expect(counts[0]).toBe(0);
    expect(counts[2]).toBe(0);
    expect(counts[4] ?? 0).toBeGreaterThan(counts[3] ?? 0);
    for (let i = 0; i < 1_000; i++) expect(index.pick(rng, 4)).toBeLessThan(4);
    expect(index.weight(3)).toBe(3);
  });

  it('makes Zipf weights fall with rank', () => {
    expect(zipfWeights(4)).toEqual([1, 1 / 2, 1 / 3, 1 / 4]);
  });
});
