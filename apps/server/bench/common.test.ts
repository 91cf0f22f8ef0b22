import { describe, expect, it } from 'vitest';
import { meanOf, medianRound, turnOrder } from './phases/common';
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
