// Phase `capped`: instances that each get a fixed share of a core (a cgroup CPU cap, as a
// container's CPU limit), 1, 2, 3... of them behind nginx. On a box with fewer cores than
// instances this is how scaling out can be seen at all: each instance stands for a machine of its
// own, and throughput grows with them until what they share (PostgreSQL, here also the cores of
// the load generator and nginx) is saturated. Cache off, as in `scale`.
import { startNginx } from '../../test/nginx';
import { capCpu } from '../cgroup';
import { mainReads, onlyNamed } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { type RunningProcess, startServer } from '../servers';
import { type BenchContext, measureReads, type SharedData, thousands } from './common';

export async function runCapped(context: BenchContext, data: SharedData): Promise<PhaseResult> {
  const { cappedInstances, instanceCpu, connections, durationSeconds } = context.options;
  const reads = onlyNamed(mainReads(data.inputs), context.options.endpoints);
  const rows: ResultRow[] = [];
  const variants: string[] = [];
  const servers: { process: RunningProcess; release: () => Promise<void> }[] = [];
  const start = async () => {
    const process = await startServer(data.database, { CACHE_TTL_MS: '0' }, { pinned: false });
    try {
      servers.push({ process, release: await capCpu(process.pid, instanceCpu) });
    } catch (error) {
      await process.stop();
      throw error;
    }
  };
  try {
    for (const count of cappedInstances) {
      while (servers.length < count) await start();
      const variant = `${count} × ${instanceCpu} core`;
      variants.push(variant);
      context.log(`capped: ${variant}...`);
      const proxy = await startNginx({
        upstreams: servers.slice(0, count).map((s) => `127.0.0.1:${s.process.port}`),
        workerProcesses: 1,
      });
      try {
        rows.push(...(await measureReads(context, proxy.url, reads, data.inputs, variant)));
      } finally {
        await proxy.stop();
      }
    }
  } finally {
    await Promise.allSettled(
      servers.map(async (server) => {
        await server.process.stop();
        await server.release();
      }),
    );
  }

  return {
    phase: 'capped',
    title: `Scaling out with each instance capped at ${instanceCpu} of a core`,
    subtitle:
      `PostgreSQL, ${thousands.format(data.articles)} articles, tRPC, cache off, nginx with 1 worker, ` +
      `${connections} connections, ${durationSeconds} s each`,
    variants,
    rows,
    notes: [
      'Each instance is held to its share by a cgroup CPU quota, as a container CPU limit would: it ' +
        'stands for an instance on a machine of its own. Throughput follows the instances until ' +
        'what they share saturates; the cpu column shows which part that is.',
    ],
  };
}
