// The admin CLI's answers to bad usage, as an operator meets them: a process of its own for each.
// Apart from admin.test.ts, whose cases share one embedded database one after another: in a file
// of its own this one runs beside them, in the other test worker.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScript } from '@conduit/db/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

const cliPath = fileURLToPath(new URL('./admin.ts', import.meta.url));

/** In an empty temporary folder: no .env, no database. */
let workDir: string;

function runCli(args: string[], env: Record<string, string> = {}) {
  return runScript(cliPath, args, { cwd: workDir, env });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'conduit-admin-usage-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

it('answers bad usage with one line and exit code 2, before touching the database', async () => {
  const runs = await Promise.all([
    runCli([]),
    runCli(['alice', 'bob']),
    runCli(['--bogus']),
    runCli(['--create', '--email', 'root@example.com']),
    runCli(['--create', '--email', 'root@example.com', '--username', 'root'], {
      ADMIN_PASSWORD: 'short',
    }),
    runCli(['--disable', 'alice', '--enable', 'bob']),
    runCli(['--enable', 'alice', '--reason', 'why']),
    runCli(['--disable', 'alice', 'bob']),
  ]);
  for (const run of runs) {
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  }
  expect(runs[0]?.stderr).toMatch(/^Usage: /);
  expect(runs[4]?.stderr).toMatch(/8 to 256 characters/);
});
