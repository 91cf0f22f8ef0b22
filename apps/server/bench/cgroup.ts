// A CPU cap for one process, through the kernel's CPU controller (cgroup v1 `cpu`, or v2
// `cpu.max`): the bench's stand-in for instances on machines of their own, which one small box
// does not have. Linux only, and only where the controller is writable (root, or a delegated
// group); elsewhere `cpuCapUnavailable` says why and the capped series is skipped.
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const V1 = '/sys/fs/cgroup/cpu';
const V2 = '/sys/fs/cgroup';
/** The scheduler period the quota is a share of, in microseconds (the kernel's default). */
const PERIOD_US = 100_000;

interface Controller {
  version: 1 | 2;
  root: string;
}

async function controller(): Promise<Controller | string> {
  if (process.platform !== 'linux') return 'CPU caps need Linux cgroups';
  try {
    await access(join(V1, 'cpu.cfs_quota_us'));
    return { version: 1, root: V1 };
  } catch {}
  try {
    const controllers = await readFile(join(V2, 'cgroup.controllers'), 'utf8');
    if (controllers.split(/\s+/).includes('cpu')) return { version: 2, root: V2 };
  } catch {}
  return 'no cgroup CPU controller found (/sys/fs/cgroup/cpu or cpu in cgroup.controllers)';
}

/** Why processes cannot be capped here (after trying to make a group), or undefined if they can. */
export async function cpuCapUnavailable(): Promise<string | undefined> {
  const found = await controller();
  if (typeof found === 'string') return found;
  const probe = join(found.root, `conduit-bench-probe-${process.pid}`);
  try {
    await mkdir(probe);
    await rmdir(probe);
    return undefined;
  } catch (error) {
    return `cannot make a cgroup under ${found.root}: ${(error as Error).message}`;
  }
}

/** The quota file's content for `cores` of CPU time per period. */
export function quotaFor(version: 1 | 2, cores: number): string {
  const quota = Math.max(1000, Math.round(cores * PERIOD_US));
  return version === 1 ? String(quota) : `${quota} ${PERIOD_US}`;
}

/**
 * Moves `pid` (all its threads) into a group of its own limited to `cores` of CPU time. The
 * returned function removes the group; call it once the process has exited.
 */
export async function capCpu(pid: number, cores: number): Promise<() => Promise<void>> {
  const found = await controller();
  if (typeof found === 'string') throw new Error(found);
  const dir = join(found.root, `conduit-bench-${process.pid}-${pid}`);
  await mkdir(dir);
  try {
    if (found.version === 1) {
      await writeFile(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      await writeFile(join(dir, 'cpu.cfs_quota_us'), quotaFor(1, cores));
    } else {
      await writeFile(join(dir, 'cpu.max'), quotaFor(2, cores));
    }
    await writeFile(join(dir, 'cgroup.procs'), String(pid));
  } catch (error) {
    await rmdir(dir).catch(() => undefined);
    throw error;
  }
  return async () => {
    // The group empties when its process exits; the kernel may take a moment to notice.
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(dir);
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
}
