// The production image, checked without a container engine: the Dockerfile says what docs promise
// (pinned Node of .nvmrc, frozen install, production stage as an unprivileged user, a health
// check), and what its build stage lays out (deploy/docker/prune.sh, run here as the Dockerfile
// runs it) really is complete: the migrations job and the server start from it with nothing else,
// serve the web app, and the image's own health check tells up from down.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTestDatabaseUrl } from '@conduit/db/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { argsOf, envOf, execForm, REPO_ROOT, readDockerfile, stageNamed } from './dockerfile';
import { inCi } from './helpers';
import { freePort } from './process';

const stages = readDockerfile();
const build = stageNamed(stages, 'build');
const production = stageNamed(stages, 'production');
const compose = parse(readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[] }>;
};

/** The build stage's command that lays out the image's contents, and the folder it fills. */
const PRUNE = /^sh deploy\/docker\/prune\.sh (\/\S+)$/;

describe('the Dockerfile', () => {
  it('builds and runs on one pinned Node image, the LTS line of .nvmrc', () => {
    const nvmrc = readFileSync(join(REPO_ROOT, '.nvmrc'), 'utf8').trim();
    expect(stages.map((stage) => stage.image)).toEqual([build.image, build.image]);
    expect(build.image).toMatch(new RegExp(`^node:${nvmrc}\\.\\d+\\.\\d+-bookworm-slim$`));
  });

  it('installs the pinned pnpm and the locked dependencies, builds, then lays out the image', () => {
    const runs = argsOf(build, 'RUN');
    expect(runs.some((run) => /npm install --global .*packageManager/.test(run))).toBe(true);
    expect(runs).toContain('pnpm install --frozen-lockfile --offline');
    const order = ['pnpm fetch', 'pnpm install', 'pnpm build', 'sh deploy/docker/prune.sh'].map(
      (command) => runs.findIndex((run) => run.startsWith(command)),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const out = runs.map((run) => PRUNE.exec(run)?.[1]).find(Boolean);
    // The production stage takes exactly that folder, nothing else from the build.
    expect(argsOf(production, 'COPY')).toEqual([`--from=build ${out}/ ./`]);
  });

  it('runs in production mode as an unprivileged user, on the port it exposes, with a health check', () => {
    const env = envOf(production);
    expect(env.NODE_ENV).toBe('production');
    expect(argsOf(production, 'EXPOSE')).toEqual([env.PORT]);
    const [user] = argsOf(production, 'USER');
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const [healthcheck = ''] = argsOf(production, 'HEALTHCHECK');
    expect(execForm(healthcheck).join(' ')).toContain('/healthz');
    expect(execForm(argsOf(production, 'CMD')[0] ?? '')).toEqual([
      'node',
      'apps/server/dist/main.js',
    ]);
  });
});

const built =
  existsSync(join(REPO_ROOT, 'apps/server/dist/main.js')) &&
  existsSync(join(REPO_ROOT, 'apps/web/dist/index.html'));
if (!built && inCi) {
  throw new Error('CI builds before it tests: apps/server/dist or apps/web/dist is missing.');
}

// A minute or more of CPU: in CI, once, in the PostgreSQL pass (which also migrates PostgreSQL).
describe.skipIf(!built || (inCi && !process.env.TEST_DATABASE_URL))(
  "the image's contents, started outside a container (needs pnpm build; in CI, the PostgreSQL pass)",
  { timeout: 120_000 },
  () => {
    const scratch = mkdtempSync(join(tmpdir(), 'conduit-image-'));
    const app = join(scratch, 'app');
    // In memory: on a busy machine PGlite takes many seconds to write its files. The server
    // migrates an empty one itself at start, so each command still runs the migrations.
    const pglite = 'memory://';
    const env = envOf(production);
    const workdir = argsOf(production, 'WORKDIR')[0] ?? '/';

    beforeAll(() => {
      // The build stage's own line, with its output folder moved here.
      const line = argsOf(build, 'RUN').find((run) => PRUNE.test(run)) ?? '';
      const [command = '', ...args] = line
        .replace(PRUNE, `sh deploy/docker/prune.sh ${app}`)
        .split(' ');
      const result = spawnSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${line} failed:\n${result.stdout}${result.stderr}`);
    }, 120_000);

    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    /** A command of the image, run where the image runs it, with only the image's environment. */
    function imageEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
      return { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'info', ...extra };
    }

    it('holds the production dependencies only', () => {
      expect(workdir).toBe('/app');
      const store = readdirSync(join(app, 'apps/server/node_modules/.pnpm'));
      expect(store.some((entry) => entry.startsWith('fastify@'))).toBe(true);
      // The tools that build and test: none of them is needed, or wanted, at run time.
      for (const tool of [
        'vitest',
        'tsx',
        'esbuild',
        'vite',
        'drizzle-kit',
        'autocannon',
        'turbo',
        // A peer of @trpc/server's types that pnpm installs with it; prune.sh removes it.
        'typescript',
      ]) {
        expect(store.filter((entry) => entry.startsWith(`${tool}@`))).toEqual([]);
      }
      expect(store.filter((entry) => entry.startsWith('@typescript+'))).toEqual([]);
      expect(existsSync(join(app, 'apps/server/src'))).toBe(false);
    });

    it("migrates with the migrations job's command", () => {
      const [command = '', ...args] = compose.services.migrate?.command ?? [];
      const result = spawnSync(command, args, {
        cwd: app,
        env: imageEnv({ PGLITE_DIR: pglite }),
        encoding: 'utf8',
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Migrated the embedded database in memory:\/\//);
    });

    it('serves the web app and its health check, which the image checks with its own command', async () => {
      const port = String(await freePort());
      const [command = '', ...args] = execForm(argsOf(production, 'CMD')[0] ?? '');
      const server = spawn(command, args, {
        cwd: app,
        env: imageEnv({ PORT: port, HOST: '127.0.0.1', PGLITE_DIR: pglite }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = once(server, 'exit');
      const output: string[] = [];
      server.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      server.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      const origin = `http://127.0.0.1:${port}`;
      try {
        await untilAnswering(`${origin}/healthz`, server, output);
        expect((await fetch(`${origin}/readyz`)).status).toBe(200);

        const page = await fetch(origin);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('<title>Conduit</title>');
        const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1];
        expect(script).toBeDefined();
        expect((await fetch(`${origin}${script}`)).status).toBe(200);

        expect(healthCheck(port)).toBe(0);
      } finally {
        server.kill('SIGTERM');
      }
      expect((await exited)[0]).toBe(0);
      expect(healthCheck(port)).toBe(1);
    });

    describe.skipIf(!process.env.TEST_DATABASE_URL)(
      'on PostgreSQL (needs TEST_DATABASE_URL)',
      () => {
        it('migrates a new database with the same command', async () => {
          const workerUrl = new URL((await getTestDatabaseUrl()) ?? '');
          const name = `${workerUrl.pathname.slice(1)}_image`;
          const admin = postgres(workerUrl.toString(), { max: 1, onnotice: () => {} });
          await admin.unsafe(`drop database if exists "${name}"`);
          await admin.unsafe(`create database "${name}"`);
          const target = new URL(workerUrl);
          target.pathname = `/${name}`;
          try {
            const [command = '', ...args] = compose.services.migrate?.command ?? [];
            const result = spawnSync(command, args, {
              cwd: app,
              env: imageEnv({ DATABASE_URL: target.toString() }),
              encoding: 'utf8',
            });
            expect(result.stdout).toMatch(/^Migrated PostgreSQL/);
            expect(result.status).toBe(0);
            const fresh = postgres(target.toString(), { max: 1, onnotice: () => {} });
            const [row] = await fresh`select to_regclass('public.articles') is not null as present`;
            await fresh.end();
            expect(row?.present).toBe(true);
          } finally {
            await admin.unsafe(`drop database if exists "${name}" with (force)`);
            await admin.end();
          }
        });
      },
    );

    /** The Dockerfile's HEALTHCHECK command, run as the engine would: its exit code. */
    function healthCheck(port: string): number | null {
      const [command = '', ...args] = execForm(argsOf(production, 'HEALTHCHECK')[0] ?? '');
      return spawnSync(command, args, { env: imageEnv({ PORT: port }), timeout: 10_000 }).status;
    }
  },
);

async function untilAnswering(url: string, server: ChildProcess, output: string[]): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 200) {
    if (server.exitCode !== null) break;
    const ok = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the server did not answer ${url}:\n${output.join('')}`);
}
