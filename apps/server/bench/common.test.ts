import { describe, expect, it } from 'vitest';
import { meanOf, medianRound, pairedRatios, pairedRatiosNote, turnOrder } from './phases/common';
import type { ResultRow } from './results';

const row = (requestsPerSecond: number, p99: number, server: number): ResultRow => ({
  endpoint: 'profile.get',
  variant: 'tRPC',
  request: '/trpc/profile.get',
  result: { requestsPerSecond, p50: 1, p95: 2, p99, non2xx: 1, errors: 0 },
  cpu: { cores: 2, machine: 1.5, loadGenerator: 0.2, server, database: 0.3, proxy: 0 },
});

describe('two halves of a measurement as one row', () => {
  it('averages rates, latencies and CPU shares, and sums counts', () => {
    const merged = meanOf(row(1000, 10, 0.8), row(3000, 20, 1.0));
    expect(merged.result).toEqual({
      requestsPerSecond: 2000,
      p50: 1,
      p95: 2,
      p99: 15,
      non2xx: 2,
      errors: 0,
    });
    expect(merged.cpu).toEqual({
      cores: 2,
      machine: 1.5,
      loadGenerator: 0.2,
      server: 0.9,
      database: 0.3,
      proxy: 0,
    });
    expect(merged).toMatchObject({ endpoint: 'profile.get', variant: 'tRPC' });
  });
});

describe('the median of rounds', () => {
  it("is the round of median rate, with every round's rate alongside", () => {
    const rounds = [row(900, 30, 0.9), row(400, 90, 0.4), row(1000, 20, 1.0)];
    const median = medianRound(rounds);
    expect(median.result.requestsPerSecond).toBe(900);
    expect(median.result.p99).toBe(30);
    expect(median.cpu?.server).toBe(0.9);
    expect(median.rounds).toEqual([900, 400, 1000]);
  });

  it('takes the lower middle of an even count, and one round as it is', () => {
    expect(medianRound([row(700, 1, 1), row(500, 1, 1)]).result.requestsPerSecond).toBe(500);
    const one = row(800, 5, 1);
    expect(medianRound([one])).toBe(one);
    expect(() => medianRound([])).toThrow(/no rounds/);
  });
});

describe('the order of the turns', () => {
  it('mirrors each round in the next, so that each surface opens as many rounds', () => {
    expect(turnOrder(1)).toEqual([['tRPC', 'REST', 'REST', 'tRPC']]);
    const four = turnOrder(4);
    expect(four).toEqual([
      ['tRPC', 'REST', 'REST', 'tRPC'],
      ['REST', 'tRPC', 'tRPC', 'REST'],
      ['tRPC', 'REST', 'REST', 'tRPC'],
      ['REST', 'tRPC', 'tRPC', 'REST'],
    ]);
    // Two turns of each surface in every round, and as many rounds opened by each.
    for (const round of four) {
      expect(round.filter((surface) => surface === 'tRPC')).toHaveLength(2);
      expect(round.filter((surface) => surface === 'REST')).toHaveLength(2);
    }
    expect(four.filter(([first]) => first === 'REST')).toHaveLength(2);
  });
});

describe('tRPC ÷ REST round by round', () => {
  const rounded = (endpoint: string, variant: string, rounds: number[]): ResultRow => ({
    ...row(rounds[0] ?? 0, 1, 1),
    endpoint,
    variant,
    rounds,
  });

  it("is the median of each round's ratio, not the ratio of the median rounds", () => {
    // A round where the machine was slow for both: the medians (12,263 and 12,847) would pair
    // REST's slow round with tRPC's, 0.84; round by round tRPC is ahead in three of five.
    const rows = [
      rounded('by author', 'cache on, tRPC', [11954, 11981, 12847, 18450, 18095]),
      rounded('by author', 'cache on, REST', [15215, 12263, 12112, 17812, 16835]),
      rounded('by author', 'cache off, tRPC', [1000, 1000]),
      rounded('by author', 'cache off, REST', [800, 1250]),
      rounded('no REST', 'cache on, tRPC', [5, 5]),
    ];
    const ratios = pairedRatios(rows, 'cache on, ');
    expect([...ratios.keys()]).toEqual(['by author']);
    expect(ratios.get('by author')).toBeCloseTo(18450 / 17812, 6);
    // The lower middle of an even count, as medianRound.
    expect(pairedRatios(rows, 'cache off, ').get('by author')).toBeCloseTo(0.8, 6);
    expect(pairedRatiosNote(rows, 'cache on, ')).toEqual([
      "tRPC ÷ REST (cache on), the median of each round's ratio: by author 1.04.",
    ]);
  });

  it('leaves out reads without rounds, or with rounds that do not pair', () => {
    const rows = [
      row(100, 1, 1),
      { ...row(90, 1, 1), variant: 'REST' },
      rounded('x', 'tRPC', [1, 2, 3]),
      rounded('x', 'REST', [1, 2]),
    ];
    expect(pairedRatios(rows).size).toBe(0);
    expect(pairedRatiosNote(rows)).toEqual([]);
  });
});
