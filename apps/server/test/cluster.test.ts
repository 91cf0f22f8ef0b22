// WORKERS=n as an operator meets it: n processes behind one port, a dead one replaced, a rolling
// restart (SIGHUP) and a stop (SIGTERM) with no failed request, /metrics for the whole server.
// PostgreSQL only: the embedded database serves one process, which the configuration says in one line.
import { readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { getTestDatabaseUrl } from '@conduit/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess } from './process';
import { until } from './until';

const databaseUrl = await getTestDatabaseUrl();
const start = startServerProcess;

/** The processes whose parent is `pid`, from /proc (field 4 of stat is the parent's pid). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(afterName[1]) === pid) children.push(Number(entry));
    } catch {
      // gone in the meantime
    }
  }
  return children.sort();
}

/** A request on a new connection each time (no keep-alive), so the kernel spreads them. */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', () => resolve(0));
    request.setTimeout(5000, () => request.destroy());
  });
}

/** The body of a GET on a new connection. */
function body(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.setTimeout(10_000, () => request.destroy(new Error('no answer')));
  });
}

/** The value of the metric line that starts with `series` (name and labels), if any. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Requests one after another until stopped; returns every status seen. */
function keepAsking(url: string) {
  let going = true;
  const statuses: number[] = [];
  const done = (async () => {
    while (going) statuses.push(await status(url));
  })();
  return {
    stop: async () => {
      going = false;
      await done;
      return statuses;
    },
  };
}

describe('WORKERS', { timeout: 60_000 }, () => {
  it('refuses WORKERS above 1 on the embedded database, in one line', async () => {
    const server = start({ WORKERS: '2', PGLITE_DIR: 'memory://', PORT: '0' });
    expect(await server.exited).toBe(1);
    expect(server.output().stderr.trim()).toBe(
      'Invalid configuration: WORKERS above 1 needs DATABASE_URL (the embedded database serves one process) (got "2")',
    );
  });

  describe.skipIf(!databaseUrl)('on PostgreSQL (needs TEST_DATABASE_URL)', () => {
    let server: ReturnType<typeof start> | undefined;
    /** Every primary started here: a test that fails before its stop leaves one running. */
    const started: Array<ReturnType<typeof start>> = [];
    const startCluster = (env: Record<string, string>) => {
      const cluster = start(env);
      started.push(cluster);
      return cluster;
    };
    afterAll(async () => {
      for (const { child } of started) {
        if (child.exitCode !== null) continue;
        // Its workers are listed first: once the primary is gone they are no longer its children.
        const workers = childrenOf(child.pid ?? 0);
        child.kill('SIGKILL');
        for (const pid of workers) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone with its primary
          }
        }
      }
    });

    it('serves from n processes, replaces a dead one, restarts in turn and stops, failing no request', async () => {
      const port = await freePort();
      server = startCluster({ WORKERS: '2', DATABASE_URL: databaseUrl ?? '', PORT: String(port) });
      const primary = server.child.pid ?? 0;
      const url = `http://127.0.0.1:${port}/healthz`;
      const listening = () => server?.output().stdout.match(/Server listening at/g)?.length ?? 0;
      await until('two workers listening', () => listening() >= 2);
      const first = childrenOf(primary);
      expect(first).toHaveLength(2);
      expect(await status(url)).toBe(200);

      // A worker dies: the primary starts a replacement. (Requests that the dead one held at that
      // instant are lost; that is what the rolling restart below avoids.)
      process.kill(first[0] ?? 0, 'SIGKILL');
      await until('a replacement worker', () => listening() >= 3);
      const replaced = childrenOf(primary);
      expect(replaced).toHaveLength(2);
      expect(replaced).not.toContain(first[0]);
      expect(await status(url)).toBe(200);
      // The dead one is no longer waited for, the replacement is counted.
      const metrics = `http://127.0.0.1:${port}/metrics`;
      expect(sample((await body(metrics)).text, 'cluster_workers')).toBe(2);

      // SIGHUP: each worker replaced in turn, the new one listening before the old one stops,
      // while requests keep coming: every one of them answered, scrapes too (a worker stopping
      // still gives its figures until it leaves, one starting is asked once it listens).
      const asking = keepAsking(url);
      const scraping = keepAsking(metrics);
      server.child.kill('SIGHUP');
      await until('the rolling restart', () =>
        /rolling restart done/.test(server?.output().stdout ?? ''),
      );
      const statuses = await asking.stop();
      const scrapes = await scraping.stop();
      const restarted = childrenOf(primary);
      expect(restarted).toHaveLength(2);
      expect(restarted.filter((pid) => replaced.includes(pid))).toEqual([]);
      expect(statuses.length).toBeGreaterThan(10);
      expect(statuses.filter((code) => code !== 200)).toEqual([]);
      expect(scrapes.length).toBeGreaterThan(3);
      expect(scrapes.filter((code) => code !== 200)).toEqual([]);
      expect(sample((await body(metrics)).text, 'cluster_workers')).toBe(2);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(childrenOf(primary)).toEqual([]);
      expect(server.output().stdout).toMatch(/all workers stopped/);
    }, 150_000);

    it('answers /metrics for every worker together, whichever one takes the scrape', async () => {
      const port = await freePort();
      server = startCluster({
        WORKERS: '2',
        DATABASE_URL: databaseUrl ?? '',
        PORT: String(port),
        DB_POOL_MAX: '3',
      });
      const origin = `http://127.0.0.1:${port}`;
      await until('two workers listening', () => {
        return (server?.output().stdout.match(/Server listening at/g)?.length ?? 0) >= 2;
      });

      // Each on a connection of its own: the primary deals connections out to the workers in turn.
      const N = 20;
      for (let n = 0; n < N; n++) expect(await status(`${origin}/api/tags`)).toBe(200);

      // Every scrape, whichever worker takes it, shows the sum; one worker's alone would be ~N/2.
      const requests = 'http_requests_total{method="GET",route="/api/tags",status="200"}';
      for (let n = 0; n < 4; n++) {
        const { status: code, text } = await body(`${origin}/metrics`);
        expect(code).toBe(200);
        expect(sample(text, 'cluster_workers')).toBe(2);
        expect(sample(text, requests)).toBe(N);
        expect(
          sample(text, 'http_request_duration_seconds_count{method="GET",route="/api/tags"}'),
        ).toBe(N);
        // Gauges summed: two pools of DB_POOL_MAX, both idle between requests.
        expect(sample(text, 'db_pool_max')).toBe(6);
        expect(sample(text, 'db_pool_connections_in_use')).toBe(0);
        expect(sample(text, 'live_comment_subscriptions')).toBe(0);
        expect(sample(text, 'db_queries_total')).toBeGreaterThanOrEqual(N);
      }

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }, 150_000);
  });
});
