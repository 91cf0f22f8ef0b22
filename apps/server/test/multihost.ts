// The topology of the multi-host test, each part on a host of its own (a network namespace, see
// netns.ts): a PostgreSQL primary (db1) and its streaming replica (db2), PgBouncer in front of the
// primary (pool), Redis (cache), three server processes (app1..app3) and nginx with TLS and
// HTTP/2 in front of them (edge), running deploy/nginx/conduit.conf. The servers are configured
// as docs/deployment.md tells operators to: queries through PgBouncer, LISTEN and migrations on
// the primary directly, the replica listed, Redis shared, nginx trusted as the proxy.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { startForeground } from './foreground';
import { selfSignedCertificate } from './h2';
import { type Host, makeNetwork } from './netns';
import { startNginx } from './nginx';
import { type PgNode, startPrimary, startReplica } from './pg-cluster';
import { startPgbouncer } from './pgbouncer';
import { freshBundle, startServerProcess, tryConnect } from './process';
import { until } from './until';

export const APP_PORT = 3000;
const DATABASE = 'conduit';

/** The global request limit per client address and minute, shared through Redis. */
export const RATE_LIMIT_MAX = 300;
/** What /metrics asks of a client that is not on loopback. */
export const METRICS_TOKEN = 'multi-host-metrics-token';

export interface Instance {
  name: string;
  host: Host;
  /** http://<address>:3000, the process itself, inside the topology. */
  origin: string;
  server: ReturnType<typeof startServerProcess>;
}

/** `url` with another database name. */
export function onDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${database}`;
  return next.toString();
}

async function startRedis(host: Host, keep: (folder: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-redis-'));
  keep(dir);
  const logFile = join(dir, 'redis.log');
  const [command = 'ip', ...prefix] = host.wrap;
  return startForeground({
    name: 'redis-server',
    binary: command,
    args: [
      ...prefix,
      'redis-server',
      '--bind',
      host.address,
      '--port',
      '6379',
      '--protected-mode',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      logFile,
    ],
    dir,
    logFile,
    signal: 'SIGTERM',
    ready: async (child) =>
      until(
        'redis-server to listen',
        async () => {
          if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
          return (await tryConnect(6379, host.address)) === 'open';
        },
        10_000,
      ),
  });
}

export interface TopologyOptions {
  /** How many of app1..app3 start with the topology (default all three; at least one). */
  apps?: number;
  /**
   * Settings over the servers' defaults, for every process started; `undefined` removes one (the
   * bench takes DATABASE_REPLICA_URLS away to measure without the replica).
   */
  env?: Record<string, string | undefined>;
}

/** `base` with `over` laid on it; an undefined value removes the variable. */
function mergeEnv(
  base: Record<string, string>,
  over: Record<string, string | undefined> = {},
): Record<string, string> {
  const merged = { ...base };
  for (const [name, value] of Object.entries(over)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

export async function startTopology(options: TopologyOptions = {}) {
  const apps = Math.min(3, Math.max(1, options.apps ?? 3));
  const network = await makeNetwork(
    ['db1', 'db2', 'pool', 'cache', 'app1', 'app2', 'app3', 'edge'],
    120,
  );
  const stops: (() => Promise<unknown>)[] = [];
  const instances: Instance[] = [];
  const all: Instance[] = [];
  const remove = async () => {
    for (const instance of all) {
      if (instance.server.child.exitCode === null && instance.server.child.signalCode === null) {
        instance.server.child.kill('SIGKILL');
        await instance.server.exited;
      }
    }
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await network.remove();
  };
  try {
    const { db1, db2, pool, cache, edge } = network.hosts as Record<string, Host>;
    if (!db1 || !db2 || !pool || !cache || !edge) throw new Error('hosts missing');

    const primary: PgNode = await startPrimary({ host: db1.address, port: 5432, wrap: db1.wrap });
    stops.push(() => primary.remove());
    network.keep(primary.dir);
    // The replica is copied from the fresh cluster (pg_basebackup's checkpoint is quick while
    // little is written); the database made next reaches it by replication.
    const replica: PgNode = await startReplica(primary, {
      host: db2.address,
      port: 5432,
      wrap: db2.wrap,
    });
    stops.push(() => replica.remove());
    network.keep(replica.dir);
    const admin = postgres(primary.url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${DATABASE}`);
    await admin.end();

    // server_login_retry: after a failed connection to the primary PgBouncer waits this long
    // before trying again (default 15 s), answering every query with an error meanwhile; see
    // docs/deployment.md.
    const bouncer = await startPgbouncer(onDatabase(primary.url, DATABASE), 10, {
      host: pool.address,
      port: 6432,
      wrap: pool.wrap,
      settings: { server_login_retry: 1 },
    });
    stops.push(() => bouncer.stop());
    network.keep(bouncer.dir);
    const redis = await startRedis(cache, network.keep);
    stops.push(() => redis.stop());

    const certificate = await selfSignedCertificate([edge.address]);
    stops.push(() => certificate.remove());
    network.keep(dirname(certificate.certFile));
    const edgeOrigin = `https://${edge.address}:8443`;

    const defaults = (host: Host): Record<string, string> => ({
      HOST: host.address,
      PORT: String(APP_PORT),
      DATABASE_URL: bouncer.url,
      DATABASE_DIRECT_URL: onDatabase(primary.url, DATABASE),
      DATABASE_PREPARED_STATEMENTS: 'false',
      // Read by the servers that route reads to replicas; ignored by those that do not.
      DATABASE_REPLICA_URLS: onDatabase(replica.url, DATABASE),
      REDIS_URL: `redis://${cache.address}:6379/0`,
      TRUST_PROXY: edge.address,
      PUBLIC_ORIGIN: edgeOrigin,
      RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
      RATE_LIMIT_WINDOW_MS: '60000',
      // Sign-ups and sign-ins come from few addresses; their own limits are not under test.
      REGISTER_MAX_PER_IP: '0',
      METRICS_TOKEN,
      LOGIN_MAX_ATTEMPTS_PER_IP: '0',
    });
    const env = (host: Host, extra?: Record<string, string | undefined>) =>
      mergeEnv(mergeEnv(defaults(host), options.env), extra);

    const bundle = freshBundle();
    console.log(
      `[multi-host] servers run ${bundle ? `the build (${bundle})` : 'from source (no fresh build)'}`,
    );
    /**
     * Starts the server on `name`'s host, with `extra` settings over the topology's; resolves once
     * it listens.
     */
    const startInstance = async (
      name: string,
      extra?: Record<string, string | undefined>,
    ): Promise<Instance> => {
      const host = network.hosts[name];
      if (!host) throw new Error(`no host ${name}`);
      const server = startServerProcess(env(host, extra), host.wrap, bundle);
      const instance = { name, host, origin: `http://${host.address}:${APP_PORT}`, server };
      all.push(instance);
      await until(
        `${name} to listen`,
        () => {
          if (server.child.exitCode !== null) {
            throw new Error(`${name} exited: ${server.output().stderr}`);
          }
          return server.output().stdout.includes('Server listening at');
        },
        90_000,
      );
      return instance;
    };
    // The first migrates the database; the others find it migrated (they would wait on the
    // migrations' lock otherwise, and all three starting at once on two cores is slower).
    instances.push(await startInstance('app1'));
    const others = ['app2', 'app3'].slice(0, apps - 1);
    instances.push(...(await Promise.all(others.map((name) => startInstance(name)))));

    const nginx = await startNginx({
      upstreams: instances.map((instance) => `${instance.host.address}:${APP_PORT}`),
      host: edge.address,
      port: 8080,
      tls: { certFile: certificate.certFile, keyFile: certificate.keyFile, port: 8443 },
      wrap: edge.wrap,
    });
    stops.push(() => nginx.stop());
    network.keep(nginx.dir);

    return {
      network,
      /** The database the servers use, on the primary directly (for seeding, checks). */
      databaseUrl: onDatabase(primary.url, DATABASE),
      /** The same database on the replica, as the servers' DATABASE_REPLICA_URLS lists it. */
      replicaUrl: onDatabase(replica.url, DATABASE),
      primary,
      replica,
      bouncer,
      nginx,
      edgeOrigin,
      ca: readFileSync(certificate.certFile),
      instances,
      startInstance,
      /** Replaces a stopped instance by a new process on the same host. */
      async restart(instance: Instance): Promise<Instance> {
        const next = await startInstance(instance.name);
        instances.splice(instances.indexOf(instance), 1, next);
        return next;
      },
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

export type Topology = Awaited<ReturnType<typeof startTopology>>;
