// The fuzz suite at a fixed seed and a bounded count, a few seconds per surface: `pnpm fuzz` runs
// the same properties with any seed and count (see fuzz.ts for what they check).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fuzzer, SURFACES, type Surface, startFuzzer } from './fuzz';
import { failureReport } from './report';

const SEED = 1309;
const RUNS: Record<Surface, number> = {
  'trpc-queries': 150,
  'trpc-mutations': 150,
  // Each valid subscription is read for 100 ms of quiet.
  'trpc-subscriptions': 40,
  'trpc-batches': 80,
  'rest-reads': 150,
  'rest-writes': 150,
  other: 80,
  // Several requests a run.
  sequences: 40,
  races: 40,
};

let fuzzer: Fuzzer;
beforeAll(async () => {
  fuzzer = await startFuzzer();
});
afterAll(async () => {
  await fuzzer.close();
  if (fuzzer.known.size > 0) {
    const seen = [...fuzzer.known].map(([bug, { count }]) => `  ${count}× ${bug}`);
    console.info(`fuzz: known bugs seen (tolerated, see known-bugs.ts):\n${seen.join('\n')}`);
  }
});

describe('generated requests (seed 1309)', () => {
  for (const surface of SURFACES) {
    it(`${surface}: no 5xx, none slow, errors in shape, a refused write changes nothing`, async () => {
      const details = await fuzzer.check(surface, { numRuns: RUNS[surface], seed: SEED });
      expect(details.failed, failureReport(surface, details)).toBe(false);
    }, 180_000);
  }
});
