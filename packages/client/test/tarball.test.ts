// The package as a team outside the repository gets it: built and packed (`pnpm pack`), installed
// from the tarball with npm into a scratch project in the system's temp folder, type-checked with
// that project's own TypeScript (three calls compile, a wrong input does not), and run against the
// real server started as a process. Nothing in the scratch project may come from the monorepo.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedPackages } from '../scripts/imports.mjs';

const run = promisify(execFile);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = resolve(packageDir, '../..');
const workspaceRequire = createRequire(join(packageDir, 'package.json'));

/** npm and pnpm pass their settings to children as npm_* variables; the scratch npm gets none. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(npm|pnpm)_/i.test(name)),
);

/** A command's output; on failure, its output is what the caller looks at. */
async function output(command: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: cleanEnv, maxBuffer: 2 ** 24 });
    return { ok: true, text: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, text: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}` };
  }
}

async function succeeds(command: string, args: string[], cwd: string): Promise<string> {
  const result = await output(command, args, cwd);
  if (!result.ok) throw new Error(`${command} ${args.join(' ')} failed:\n${result.text}`);
  return result.text;
}

/** Server processes started here, stopped after the tests even when a start timed out. */
const children: ChildProcess[] = [];

/** The real server as an operator starts it, on embedded PGlite in memory and a free port. */
async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const serverDir = join(repoDir, 'apps/server');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PGLITE_DIR: 'memory://', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  for (let waited = 0; waited < 240_000; waited += 100) {
    const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1];
    if (url) return { child, url };
    if (child.exitCode !== null) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  child.kill();
  throw new Error(`the server did not start:\n${printed}`);
}

/** Every symbolic link under `dir` (npm installs a tarball as a copy; a link would be the monorepo). */
async function symlinksUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isSymbolicLink() && !entry.parentPath.endsWith('.bin'))
    .map((entry) => join(entry.parentPath, entry.name));
}

let scratch = '';
let tarball = '';
let server: { child: ChildProcess; url: string } | undefined;
let manifest: {
  name: string;
  version: string;
  private?: boolean;
  exports: Record<string, Record<string, string>>;
  types: string;
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
};

beforeAll(async () => {
  scratch = await realpath(await mkdtemp(join(tmpdir(), 'conduit-client-')));
  const serverStarted = startServer();
  serverStarted.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  // prepack builds dist/ first (scripts/build.mjs).
  await succeeds('pnpm', ['pack', '--pack-destination', join(scratch, 'tarball')], packageDir);
  const [file] = await readdir(join(scratch, 'tarball'));
  tarball = join(scratch, 'tarball', file ?? 'none');
  manifest = JSON.parse(
    await succeeds('tar', ['-xzOf', tarball, 'package/package.json'], scratch),
  ) as typeof manifest;

  // The scratch project: the tarball, and this repository's TypeScript and Node types by version
  // only, all installed by npm from the registry (or npm's own cache) into the project.
  const project = join(scratch, 'project');
  await cp(join(packageDir, 'test/scratch-project'), project, { recursive: true });
  const versionOf = (name: string) =>
    (workspaceRequire(`${name}/package.json`) as { version: string }).version;
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'scratch-project',
      private: true,
      type: 'module',
      dependencies: { '@conduit/client': `file:${tarball}` },
      devDependencies: {
        typescript: versionOf('typescript'),
        '@types/node': versionOf('@types/node'),
      },
    }),
  );
  await succeeds(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
    project,
  );
  server = await serverStarted;
}, 420_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the packed @conduit/client', { timeout: 120_000 }, () => {
  it('is a versioned package of dist files whose manifest points at them', async () => {
    const files = (await succeeds('tar', ['-tzf', tarball], scratch)).trim().split('\n').sort();
    expect(files).toEqual([
      'package/CHANGELOG.md',
      'package/README.md',
      'package/dist/index.d.ts',
      'package/dist/index.js',
      'package/package.json',
    ]);
    expect(manifest.name).toBe('@conduit/client');
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.private).toBeUndefined();
    expect(manifest.exports).toEqual({
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
    });
    expect(manifest.types).toBe('./dist/index.d.ts');
    // Real versions of real packages: no workspace: or catalog: left, nothing of ours.
    expect(Object.keys(manifest.dependencies).sort()).toEqual([
      '@trpc/client',
      '@trpc/server',
      'eventsource',
    ]);
    for (const version of Object.values(manifest.dependencies)) expect(version).toMatch(/^\d/);
  });

  it('imports nothing but its dependencies, in the JavaScript and in the declarations', async () => {
    const installed = join(scratch, 'project/node_modules/@conduit/client');
    const dependencies = Object.keys(manifest.dependencies);
    for (const file of ['dist/index.js', 'dist/index.d.ts']) {
      const text = await readFile(join(installed, file), 'utf8');
      expect(importedPackages(text).filter((name) => !dependencies.includes(name))).toEqual([]);
      // Nor a way around imports: triple-slash references or ambient modules.
      expect(text).not.toMatch(/\/\/\/\s*<reference|declare module/);
    }
  });

  it('is installed as a copy, with nothing of the monorepo within reach', async () => {
    const project = join(scratch, 'project');
    expect(project.startsWith(repoDir)).toBe(false);
    expect((await lstat(join(project, 'node_modules/@conduit/client'))).isDirectory()).toBe(true);
    expect(await symlinksUnder(join(project, 'node_modules'))).toEqual([]);
    // No node_modules or package.json above the project that Node or TypeScript could fall back to.
    for (let dir = dirname(project); dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules')), `${dir}/node_modules`).toBe(false);
      expect(existsSync(join(dir, 'package.json')), `${dir}/package.json`).toBe(false);
    }
    const tsconfig = await readFile(join(project, 'tsconfig.json'), 'utf8');
    expect(tsconfig).not.toMatch(/"(paths|baseUrl|typeRoots)"/);
  });

  it('type-checks three calls with the project’s own tsc, from files of the project only', async () => {
    const project = join(scratch, 'project');
    const listed = await succeeds('node_modules/.bin/tsc', ['-p', '.', '--listFiles'], project);
    const files = listed.trim().split('\n');
    expect(files).toContain(join(project, 'node_modules/@conduit/client/dist/index.d.ts'));
    expect(files.filter((file) => !file.startsWith(`${project}/`))).toEqual([]);
  });

  it('refuses a wrong input at compile time, naming the field', async () => {
    const project = join(scratch, 'project');
    const result = await output(
      'node_modules/.bin/tsc',
      ['-p', 'tsconfig.wrong.json', '--pretty', 'false'],
      project,
    );
    expect(result.ok).toBe(false);
    const errors = result.text.split('\n').filter((line) => line.includes('error TS'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^src\/wrong-input\.ts\(8,3\): error TS\d+: .*'titel' does not exist .*Did you mean to write 'title'\?/,
    );
  });

  it('runs the three calls against a live server and gets real results', async () => {
    const project = join(scratch, 'project');
    // out/ was compiled by the type-check above (tsc emits as it checks).
    const printed = await succeeds(
      process.execPath,
      ['out/three-calls.js', server?.url ?? ''],
      project,
    );
    const result = JSON.parse(printed) as {
      resolvedFrom: string;
      username: string;
      slug: string;
      listed: { slug: string; tags: string[] }[];
      count: number;
    };
    expect(fileURLToPath(result.resolvedFrom)).toBe(
      join(project, 'node_modules/@conduit/client/dist/index.js'),
    );
    expect(result.username).toMatch(/^scratch\d+$/);
    expect(result.slug).toMatch(/^installed-from-a-tarball/);
    expect(result.listed).toEqual([{ slug: result.slug, tags: ['tarball'] }]);
    expect(result.count).toBe(1);
  });
});
