// A WORKERS worker that stops loses no connection the primary handed it meanwhile
// (cluster-leave.ts).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort } from './process';

const fixture = fileURLToPath(new URL('./leaving-workers.ts', import.meta.url));

describe('a stopping worker', () => {
  it('leaves the cluster without losing a connection handed to it', async () => {
    const port = await freePort();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', fixture, String(port), '30'],
      { timeout: 60_000 },
    );
    const { requests, failed, stops } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    // Enough stops for the race to show: with process.disconnect() in leaveParent this fixture
    // lost 6 to 11 connections in 30 stops, every run. On a busy machine fewer than 30 stops fit
    // in the fixture's 40 s (each waits for a worker to start): 15 are still enough.
    expect(stops).toBeGreaterThanOrEqual(15);
    expect(requests).toBeGreaterThan(400);
    expect(failed).toEqual([]);
  }, 90_000);
});
