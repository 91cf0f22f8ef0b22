// Where the machine's CPU went during a measurement, read from /proc (Linux only; elsewhere the
// figures are left out). On a small machine this is what explains a scale run: when the cores are
// all busy, another instance has nothing to run on, whatever the server's design.
import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

/** CPU time spent per second of the measurement, in cores (1.0 = one core busy all along). */
export interface CpuUse {
  cores: number;
  /** Everything busy on the machine, these groups and anything else. */
  machine: number;
  /** This process: autocannon runs in it. */
  loadGenerator: number;
  /** The server (or baseline) processes the bench started. */
  server: number;
  /** Every `postgres` process on the machine. */
  database: number;
  /** Every `nginx` process. */
  proxy: number;
}

/** Linux's USER_HZ, which /proc reports times in; 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

interface Snapshot {
  at: number;
  /** From /proc/stat: [busy, all] ticks summed over the cores. */
  busy: number;
  all: number;
  /** pid → [command, user + system ticks]. */
  processes: Map<number, [string, number]>;
}

/** The `cpu` line of /proc/stat as busy and total ticks (idle and iowait are not busy). */
export function parseMachineLine(line: string): { busy: number; all: number } {
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const all = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: all - idle, all };
}

/** `/proc/<pid>/stat` as its command and CPU ticks; the command may hold spaces and brackets. */
export function parseProcessStat(stat: string): [string, number] | undefined {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // After the command: state (field 3) first, so utime (14) and stime (15) are at 11 and 12.
  const rest = stat.slice(close + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return Number.isFinite(ticks) ? [stat.slice(open + 1, close), ticks] : undefined;
}

async function snapshot(): Promise<Snapshot | undefined> {
  let machine: string;
  try {
    machine = await readFile('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const { busy, all } = parseMachineLine(machine.split('\n')[0] ?? '');
  const processes = new Map<number, [string, number]>();
  const entries = await readdir('/proc');
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        // A process may end between the listing and the read.
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
        const parsed = stat === undefined ? undefined : parseProcessStat(stat);
        if (parsed) processes.set(Number(entry), parsed);
      }),
  );
  return { at: performance.now(), busy, all, processes };
}

/** Starts watching; the function returned ends the watch and gives what each group used. */
export async function watchCpu(
  serverPids: () => number[],
): Promise<() => Promise<CpuUse | undefined>> {
  const start = await snapshot();
  return async () => {
    const end = await snapshot();
    if (!start || !end) return undefined;
    return cpuBetween(start, end, serverPids());
  };
}

export function cpuBetween(start: Snapshot, end: Snapshot, serverPids: number[]): CpuUse {
  const seconds = (end.at - start.at) / 1000;
  const cores = cpus().length;
  const perSecond = (ticks: number) => Math.max(0, ticks) / TICKS_PER_SECOND / seconds;
  const used = (pid: number) => {
    const after = end.processes.get(pid);
    if (!after) return 0;
    const before = start.processes.get(pid);
    // A process that started during the measurement spent all of its time in it.
    return after[1] - (before && before[0] === after[0] ? before[1] : 0);
  };
  const byCommand = (command: string) =>
    [...end.processes]
      .filter(([, [name]]) => name === command)
      .reduce((sum, [pid]) => sum + used(pid), 0);
  return {
    cores,
    // /proc/stat sums the cores; its share of all ticks times the cores is in cores too.
    machine: end.all > start.all ? ((end.busy - start.busy) / (end.all - start.all)) * cores : 0,
    loadGenerator: perSecond(used(process.pid)),
    server: perSecond(serverPids.reduce((sum, pid) => sum + used(pid), 0)),
    database: perSecond(byCommand('postgres')),
    proxy: perSecond(byCommand('nginx')),
  };
}

/** `1.9 of 2: load 0.8 · server 0.9 · db 0.2 · nginx 0.0`, for a table cell. */
export function formatCpu(use: CpuUse | undefined): string {
  if (!use) return '';
  const f = (value: number) => value.toFixed(1);
  return (
    `${f(use.machine)}/${use.cores}: gen ${f(use.loadGenerator)} srv ${f(use.server)} ` +
    `db ${f(use.database)} ngx ${f(use.proxy)}`
  );
}
