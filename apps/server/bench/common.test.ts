import { describe, expect, it } from 'vitest';
import { meanOf } from './phases/common';
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
