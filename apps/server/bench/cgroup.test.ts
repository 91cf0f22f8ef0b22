// The capped phase's CPU cap: the quota written as the kernel wants it, and a busy process held
// to its share where this machine lets the bench make cgroups.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { capCpu, cpuCapUnavailable, quotaFor } from './cgroup';
import { parseProcessStat } from './cpu';

const unavailable = await cpuCapUnavailable();

const ticks = async (pid: number) =>
  parseProcessStat(await readFile(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? Number.NaN;

describe('cpu caps', () => {
  it('writes the quota per 100 ms period, as cgroup v1 and v2 read it', () => {
    expect(quotaFor(1, 0.4)).toBe('40000');
    expect(quotaFor(2, 0.4)).toBe('40000 100000');
    expect(quotaFor(2, 1.5)).toBe('150000 100000');
    // The kernel refuses quotas under 1 ms.
    expect(quotaFor(1, 0.001)).toBe('1000');
  });

  it.skipIf(unavailable !== undefined)('holds a busy process to its share of a core', async () => {
    const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    const pid = child.pid ?? 0;
    const release = await capCpu(pid, 0.2);
    try {
      const before = await ticks(pid);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const cores = ((await ticks(pid)) - before) / 100;
      // 0.2 of a core for a second is 20 ticks; uncapped, the loop would take a whole core.
      expect(cores).toBeGreaterThan(0.05);
      expect(cores).toBeLessThan(0.35);
    } finally {
      child.kill('SIGKILL');
      await exited;
      await release();
    }
  });
});
