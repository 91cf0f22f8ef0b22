// compose.yaml and the files under deploy/ it mounts, checked without a container engine: the
// topology is the tested one (docs/deployment.md), each service starts only after what it needs
// is healthy or done, every variable given to the servers is one Conduit reads, every file it
// mounts exists, addresses agree from one file to the next, nginx's configuration is the
// documented one with only its upstream changed, and, where Compose is installed, Compose itself
// accepts the file (`config` needs no daemon).
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envOf, REPO_ROOT, readDockerfile, stageNamed } from './dockerfile';

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  restart?: string;
  networks?: Record<string, { ipv4_address?: string } | null>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  networks: { default: { ipam: { config: { subnet: string }[] } } };
};
const services = compose.services;
const image = stageNamed(readDockerfile(), 'production');
/** The services that run the server: built from the repository's Dockerfile, with its command. */
const apps = Object.keys(services).filter(
  (name) => services[name]?.build === '.' && services[name]?.command === undefined,
);
const envExample = new Set(
  [...readFileSync(join(REPO_ROOT, '.env.example'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
    ([, name]) => name,
  ),
);

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`compose.yaml has no service ${name}`);
  return found;
}

/** A URL the servers are given, its ${...} placeholders filled in so it parses. */
function urlOf(value: string | undefined): URL {
  return new URL((value ?? '').replace(/\$\{[^}]+\}/g, 'secret'));
}

describe('compose.yaml', () => {
  it('runs the tested topology: nginx, two servers, primary and replica, PgBouncer, Redis, a migrations job', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'app1',
        'app2',
        'migrate',
        'nginx',
        'pgbouncer',
        'postgres',
        'postgres-replica',
        'redis',
      ].sort(),
    );
    expect(apps).toEqual(['app1', 'app2']);
    expect(service('postgres').image).toMatch(/^postgres:15-/);
    expect(service('postgres-replica').image).toBe(service('postgres').image);
    // Images from a registry are pinned to a line, never whatever is newest.
    for (const [name, { image: tag }] of Object.entries(services)) {
      if (tag) expect(tag, name).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    }
  });

  it('starts each service after what it needs is healthy, and the servers after the migrations', () => {
    const healthy = (name: string) =>
      service(name).healthcheck !== undefined ||
      (service(name).build === '.' && image.instructions.some((i) => i.keyword === 'HEALTHCHECK'));
    for (const [name, { depends_on: needs = {} }] of Object.entries(services)) {
      for (const [other, { condition }] of Object.entries(needs)) {
        if (condition === 'service_healthy')
          expect(healthy(other), `${name} -> ${other}`).toBe(true);
        else expect(condition, `${name} -> ${other}`).toBe('service_completed_successfully');
      }
      // Every service that keeps running tells the engine whether it is well.
      if (name !== 'migrate') expect(healthy(name), name).toBe(true);
    }
    for (const app of apps) {
      expect(service(app).depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
        'postgres-replica': { condition: 'service_healthy' },
        pgbouncer: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
    expect(service('migrate').restart).toBe('no');
    expect(service('migrate').depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(service('postgres-replica').depends_on?.postgres?.condition).toBe('service_healthy');
    expect(Object.keys(service('nginx').depends_on ?? {})).toEqual(apps);
  });

  it('gives the servers and the migrations job only variables Conduit reads (.env.example)', () => {
    for (const name of [...apps, 'migrate']) {
      const unknown = Object.keys(service(name).environment ?? {}).filter(
        (variable) => !envExample.has(variable),
      );
      expect(unknown, name).toEqual([]);
    }
  });

  it('points each server at PgBouncer, the primary, the replica and Redis, at the ports they listen on', () => {
    const env = service('app1').environment ?? {};
    expect(service('app2').environment).toEqual(env);
    const ini = readFileSync(join(REPO_ROOT, 'deploy/pgbouncer/pgbouncer.ini'), 'utf8');
    const setting = (key: string) => new RegExp(`^${key} = (.+)$`, 'm').exec(ini)?.[1];
    expect(setting('pool_mode')).toBe('transaction');

    const pooled = urlOf(env.DATABASE_URL);
    expect([pooled.hostname, pooled.port]).toEqual(['pgbouncer', setting('listen_port')]);
    // Debian 12's PgBouncer (deploy/pgbouncer/Dockerfile) is 1.18: no prepared statements.
    expect(env.DATABASE_PREPARED_STATEMENTS).toBe('false');
    const direct = urlOf(env.DATABASE_DIRECT_URL);
    expect([direct.hostname, direct.port]).toEqual(['postgres', '5432']);
    const database = direct.pathname.slice(1);
    expect(pooled.pathname).toBe(`/${database}`);
    // PgBouncer's database entry leads to the same database on the primary.
    expect(setting(database)).toBe(
      `host=${direct.hostname} port=${direct.port} dbname=${database}`,
    );
    expect(urlOf(service('migrate').environment?.DATABASE_URL).toString()).toBe(direct.toString());

    const replicas = (env.DATABASE_REPLICA_URLS ?? '').split(',').map(urlOf);
    expect(replicas.map((url) => [url.hostname, url.port, url.pathname])).toEqual([
      ['postgres-replica', '5432', `/${database}`],
    ]);
    const redis = urlOf(env.REDIS_URL);
    expect([redis.hostname, redis.port || '6379']).toEqual(['redis', '6379']);
  });

  it("trusts nginx's address, and nothing else, for X-Forwarded-For", () => {
    const address = service('nginx').networks?.default?.ipv4_address;
    expect(address).toBeDefined();
    for (const app of apps) expect(service(app).environment?.TRUST_PROXY, app).toBe(address);
    const [subnet = ''] = compose.networks.default.ipam.config.map((config) => config.subnet);
    const [network = '', bits] = subnet.split('/');
    expect(bits).toBe('24');
    expect(address?.split('.').slice(0, 3)).toEqual(network.split('.').slice(0, 3));
  });

  it('mounts only files that are in the repository, and the scripts it runs are executable', () => {
    for (const [name, { volumes = [] }] of Object.entries(services)) {
      for (const volume of volumes) {
        const [source = ''] = volume.split(':');
        if (!source.startsWith('./')) continue; // a named volume
        expect(existsSync(join(REPO_ROOT, source)), `${name}: ${source}`).toBe(true);
        // The postgres image sources an init script that is not executable instead of running it.
        if (source.endsWith('.sh')) accessSync(join(REPO_ROOT, source), constants.X_OK);
      }
    }
  });

  it('serves nginx deploy/nginx/conduit.conf with its upstream listing the servers, and the certificate it reads', () => {
    const command = (service('nginx').command ?? []).join(' ');
    const rendering = /sh \/etc\/conduit\/upstreams\.sh (\S+) (\S+) ([^&]+?)\s*&& exec nginx/.exec(
      command,
    );
    expect(rendering).not.toBeNull();
    const [, source, target, upstreams = ''] = rendering ?? [];
    const mounts = Object.fromEntries(
      (service('nginx').volumes ?? []).map((volume) => volume.split(':').slice(0, 2).reverse()),
    );
    expect(mounts[source ?? '']).toBe('./deploy/nginx/conduit.conf');
    expect(mounts['/etc/conduit/upstreams.sh']).toBe('./deploy/nginx/upstreams.sh');
    // Where Debian's nginx.conf includes it (deploy/nginx/Dockerfile), as on a host.
    expect(target).toBe('/etc/nginx/conf.d/conduit.conf');
    const port = envOf(image).PORT;
    expect(upstreams.split(/\s+/)).toEqual(apps.map((app) => `${app}:${port}`));

    const conf = readFileSync(join(REPO_ROOT, 'deploy/nginx/conduit.conf'), 'utf8');
    const rendered = runUpstreams(upstreams.split(/\s+/));
    const serverLine = /^ *server \S+ max_fails=1 fail_timeout=2s;$/;
    const keep = (text: string) => text.split('\n').filter((line) => !serverLine.test(line));
    expect(keep(rendered)).toEqual(keep(conf));
    expect(rendered.split('\n').filter((line) => serverLine.test(line))).toEqual(
      apps.map((app) => `    server ${app}:${port} max_fails=1 fail_timeout=2s;`),
    );

    const tls = mounts['/etc/conduit/tls'];
    expect(tls).toBe('./deploy/tls');
    for (const key of ['ssl_certificate', 'ssl_certificate_key']) {
      expect(new RegExp(`^ *${key} /etc/conduit/tls/[\\w.]+\\.pem;$`, 'm').test(conf), key).toBe(
        true,
      );
    }
    expect(readFileSync(join(REPO_ROOT, 'deploy/tls/.gitignore'), 'utf8')).toMatch(/^\*\.pem$/m);
  });

  it('has nginx refuse to start, writing nothing, when conduit.conf has no upstream to fill in', () => {
    const broken = readFileSync(join(REPO_ROOT, 'deploy/nginx/conduit.conf'), 'utf8').replace(
      /^upstream conduit/m,
      'upstream other',
    );
    expect(() => runUpstreams(['app1:3000'], broken)).toThrow(/no server line in upstream conduit/);
  });
});

/** deploy/nginx/upstreams.sh on conduit.conf (or on `text`): what it writes, or its error. */
function runUpstreams(upstreams: string[], text?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-upstreams-'));
  try {
    const source = join(dir, 'conduit.conf');
    writeFileSync(source, text ?? readFileSync(join(REPO_ROOT, 'deploy/nginx/conduit.conf')));
    const output = join(dir, 'out.conf');
    const result = spawnSync(
      'sh',
      [join(REPO_ROOT, 'deploy/nginx/upstreams.sh'), source, output, ...upstreams],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) {
      expect(existsSync(output)).toBe(false);
      throw new Error(result.stderr);
    }
    return readFileSync(output, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const composeCommand = findCompose();

// Compose v1 takes a few seconds to start on a busy machine, and each test runs it up to three times.
describe.skipIf(!composeCommand)(
  'Compose accepts compose.yaml (needs docker compose or docker-compose)',
  { timeout: 90_000 },
  () => {
    const secrets = {
      POSTGRES_PASSWORD: 'superuser0',
      CONDUIT_DB_PASSWORD: 'conduit0',
      CONDUIT_REPLICATION_PASSWORD: 'replication0',
    };
    const config = (env: Record<string, string>) => {
      const [command = '', ...args] = composeCommand ?? [];
      // Only these variables: neither this environment nor a developer's .env beside
      // compose.yaml may fill in what is tested unset.
      const dir = mkdtempSync(join(tmpdir(), 'conduit-compose-'));
      const envFile = join(dir, 'empty.env');
      writeFileSync(envFile, '');
      try {
        return spawnSync(
          command,
          [...args, '--file', 'compose.yaml', '--env-file', envFile, 'config', '--quiet'],
          {
            cwd: REPO_ROOT,
            env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
            encoding: 'utf8',
          },
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };

    it('validates with the three secrets set', () => {
      const result = config(secrets);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });

    it('refuses to start without each of them, naming it', () => {
      for (const missing of Object.keys(secrets)) {
        const result = config(
          Object.fromEntries(Object.entries(secrets).filter(([name]) => name !== missing)),
        );
        expect(result.status, missing).not.toBe(0);
        expect(result.stderr, missing).toContain(`set ${missing}`);
      }
    });
  },
);

/** Compose v2 (the docker CLI's plugin) or v1 (Debian's docker-compose), whichever runs here. */
function findCompose(): string[] | undefined {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const [binary = '', ...args] = command;
    const probe = spawnSync(binary, [...args, 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return command;
  }
  return undefined;
}
