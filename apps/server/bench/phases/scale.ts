// Phase `scale`: the reads over tRPC against one server directly, the same server behind nginx
// (the proxy's own cost), and --instances servers behind nginx (round robin). Separate processes
// on separate ports, each with its own pool, sharing one PostgreSQL. Cache off: the in-process
// cache is per instance, and what scales here is the request path and the database.
import { cpus } from 'node:os';
import { nginxBinary, startNginx } from '../../test/nginx';
import { mainReads, onlyNamed } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { type RunningProcess, startServer } from '../servers';
import { type BenchContext, measureReads, type SharedData, thousands } from './common';

/** Why the phase cannot run here, or undefined if it can. */
export function nginxMissing(): string | undefined {
  return nginxBinary() ? undefined : 'nginx not found (install it, or put it on PATH)';
}

export async function runScale(context: BenchContext, data: SharedData): Promise<PhaseResult> {
  const { instances, connections, durationSeconds } = context.options;
  const reads = onlyNamed(mainReads(data.inputs), context.options.endpoints);
  const rows: ResultRow[] = [];
  const env = { CACHE_TTL_MS: '0' };
  const direct = '1 direct';
  const proxied = '1 via nginx';
  const many = `${instances} via nginx`;

  const measureAll = async (base: string, variant: string) => {
    context.log(`scale: ${variant}...`);
    rows.push(...(await measureReads(context, base, reads, data.inputs, variant)));
  };

  const servers: RunningProcess[] = [];
  try {
    servers.push(await startServer(data.database, env, { pinned: false }));
    const first = servers[0] as RunningProcess;
    await measureAll(first.url, direct);

    const one = await startNginx({ upstreams: [`127.0.0.1:${first.port}`], workerProcesses: 1 });
    try {
      await measureAll(one.url, proxied);
    } finally {
      await one.stop();
    }

    while (servers.length < instances)
      servers.push(await startServer(data.database, env, { pinned: false }));
    const all = await startNginx({
      upstreams: servers.map((server) => `127.0.0.1:${server.port}`),
      workerProcesses: 1,
    });
    try {
      await measureAll(all.url, many);
    } finally {
      await all.stop();
    }
  } finally {
    await Promise.allSettled(servers.map((server) => server.stop()));
  }

  const cores = cpus().length;
  return {
    phase: 'scale',
    title: `Scaling out: 1 instance vs ${instances} behind nginx`,
    subtitle:
      `PostgreSQL, ${thousands.format(data.articles)} articles, tRPC, cache off, nginx with 1 worker, ` +
      `${connections} connections, ${durationSeconds} s each`,
    variants: [direct, proxied, many],
    rows,
    notes: [
      `${cores} cores shared by the load generator, nginx, PostgreSQL and the instances: ` +
        (instances >= cores
          ? `${instances} instances is already one per core, so the gain is bounded by the cores, not the server.`
          : `up to ${cores} instances would fit one per core.`),
      `"${proxied}" against "${direct}" is what the proxy hop itself costs.`,
    ],
  };
}
