// A measured server on a core of its own, and the load generator (this process) on the others
// (taskset), in the phases that measure one server process. Unpinned, the scheduler moved the two
// onto one core now and then: on this 2-core machine, cached reads over one server went from
// 15,000-18,000 req/s, varying that much between measurements, to 20,000-21,000 pinned (cached
// profile.get, 2 s turns). PostgreSQL is not pinned: it is the bench's database, not its own.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface Pinning {
  /** taskset's CPU list for the measured server (the last core). */
  server: string;
  /** And for the load generator (the rest). */
  generator: string;
  /** Every core: the generator's list again once no pinned server runs. */
  all: string;
}

/** The pinning this machine allows: two cores or more, and taskset (util-linux). */
export function pinningFor(cores = cpus().length, hasTaskset = tasksetRuns()): Pinning | undefined {
  if (cores < 2 || !hasTaskset) return undefined;
  const last = cores - 1;
  return {
    server: String(last),
    generator: last === 1 ? '0' : `0-${last - 1}`,
    all: `0-${last}`,
  };
}

function tasksetRuns(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

let active: Pinning | undefined;
let pinnedRunning = 0;

/** Pins the servers started from now on with `pinned` (run.ts sets it once, from --no-pin). */
export function usePinning(pinning: Pinning | undefined): void {
  active = pinning;
}

/**
 * The command that starts a process, pinned unless `pinned` is false or pinning is off:
 * `taskset -c <server core>` before it (taskset execs it, so the pid is the server's). Moves this
 * process and its threads to the other cores while any pinned process runs; `release` moves them
 * back once none does.
 */
export function pinnedStart(
  command: string,
  argv: string[],
  pinned = true,
): { command: string; argv: string[]; release: () => void } {
  const pinning = active;
  if (!pinning || !pinned) return { command, argv, release: () => {} };
  if (pinnedRunning === 0) moveGenerator(pinning.generator);
  pinnedRunning += 1;
  let released = false;
  return {
    command: 'taskset',
    argv: ['-c', pinning.server, command, ...argv],
    release: () => {
      if (released) return;
      released = true;
      pinnedRunning -= 1;
      if (pinnedRunning === 0) moveGenerator(pinning.all);
    },
  };
}

function moveGenerator(cores: string): void {
  const moved = spawnSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], {
    stdio: 'ignore',
  });
  if (moved.status !== 0) throw new Error(`taskset -a -p -c ${cores} ${process.pid} failed`);
}
