// The bench's CPU accounting: /proc parsed right, and a busy loop in this process shows up as the
// load generator's time.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuBetween, formatCpu, parseMachineLine, parseProcessStat, watchCpu } from './cpu';

describe('cpu accounting', () => {
  it('reads busy and total ticks from the cpu line, idle and iowait not busy', () => {
    expect(parseMachineLine('cpu  27205 0 8428 188163 576 0 122 59 0 0')).toEqual({
      busy: 27205 + 8428 + 122 + 59,
      all: 27205 + 8428 + 188163 + 576 + 122 + 59,
    });
  });

  it('reads a process, even one whose command holds spaces and brackets', () => {
    const stat = '4242 (node (worker) 1) S 1 4242 4242 0 -1 4194560 10 0 0 0 120 35 0 0 20 0 11';
    expect(parseProcessStat(stat)).toEqual(['node (worker) 1', 155]);
    expect(parseProcessStat('garbage')).toBeUndefined();
  });

  it('splits the time by group, counting a process that started meanwhile from zero', () => {
    const start = {
      at: 0,
      busy: 0,
      all: 0,
      processes: new Map<number, [string, number]>([
        [process.pid, ['node', 1000]],
        [10, ['node', 500]],
        [20, ['postgres', 300]],
        [30, ['postgres', 50]],
      ]),
    };
    const end = {
      at: 2000,
      busy: 300,
      all: 400,
      processes: new Map<number, [string, number]>([
        [process.pid, ['node', 1100]],
        [10, ['node', 650]],
        [20, ['postgres', 340]],
        // 30 ended; 31 is new and spent all its 20 ticks in the window.
        [31, ['postgres', 20]],
        [40, ['nginx', 10]],
      ]),
    };
    const use = cpuBetween(start, end, [10]);
    expect(use.loadGenerator).toBeCloseTo(0.5);
    expect(use.server).toBeCloseTo(0.75);
    expect(use.database).toBeCloseTo(0.3);
    expect(use.proxy).toBeCloseTo(0.05);
    expect(use.machine).toBeCloseTo(0.75 * use.cores);
    expect(formatCpu(use)).toMatch(/^\d\.\d\/\d+: gen 0\.5 srv 0\.8 db 0\.3 ngx 0\.1$/);
  });

  it.runIf(existsSync('/proc/stat'))('sees a busy loop (needs /proc/stat)', async () => {
    // Compared with what Node says this process used over the same time, not with a fixed share:
    // on a busy machine the loop gets less than a core.
    const startedAt = performance.now();
    const before = process.cpuUsage();
    const stop = await watchCpu(() => []);
    const until = performance.now() + 1000;
    while (performance.now() < until) Math.sqrt(Math.random());
    const use = await stop();
    const { user, system } = process.cpuUsage(before);
    const truth = (user + system) / 1000 / (performance.now() - startedAt);
    expect(truth).toBeGreaterThan(0);
    // Within a few clock ticks (10 ms each) over the second, and a little for the reads of /proc:
    // over 0.4 s two ticks were a twentieth, and CI once saw 0.102 against 0.1.
    expect(Math.abs((use?.loadGenerator ?? 0) - truth)).toBeLessThan(0.1);
    expect(use?.machine).toBeGreaterThanOrEqual((use?.loadGenerator ?? 0) - 0.1);
    expect(use?.server).toBe(0);
  });
});
