// The bench's pinning: the cores it picks, and a process started pinned really runs there while
// this process (the load generator) runs on the others until it is released.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { pinnedStart, pinningFor, usePinning } from './pinning';

const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

/** The CPU list the kernel lets a process run on. */
function allowed(pid: number): string | undefined {
  return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
}

describe('bench pinning', () => {
  it('gives the server the last core and the load generator the rest, from two cores up', () => {
    expect(pinningFor(1, true)).toBeUndefined();
    expect(pinningFor(4, false)).toBeUndefined();
    expect(pinningFor(2, true)).toEqual({ server: '1', generator: '0', all: '0-1' });
    expect(pinningFor(4, true)).toEqual({ server: '3', generator: '0-2', all: '0-3' });
  });

  it('starts a command unchanged when pinning is off', () => {
    usePinning(undefined);
    const start = pinnedStart('node', ['main.js']);
    expect([start.command, ...start.argv]).toEqual(['node', 'main.js']);
  });

  it.skipIf(!hasTaskset || cpus().length < 2)(
    'runs a pinned process on its core, and the generator elsewhere until it is released',
    async () => {
      const pinning = pinningFor();
      expect(pinning).toBeDefined();
      if (!pinning) return;
      const before = allowed(process.pid);
      usePinning(pinning);
      const start = pinnedStart('sleep', ['30']);
      try {
        const child = spawn(start.command, start.argv, { stdio: 'ignore' });
        const pid = child.pid ?? 0;
        // taskset sets its own affinity, then becomes `sleep` (same pid).
        for (let tries = 0; tries < 100; tries += 1) {
          if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(allowed(pid)).toBe(pinning.server);
        expect(allowed(process.pid)).toBe(pinning.generator);
        child.kill();
        await once(child, 'exit');
      } finally {
        start.release();
        usePinning(undefined);
      }
      expect(allowed(process.pid)).toBe(pinning.all);
      expect(before).toBe(pinning.all);
    },
  );
});
