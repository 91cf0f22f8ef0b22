// The admin CLI as an operator runs it: a separate process on an embedded database folder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditLog, createDb, eq, sessions, users } from '@conduit/db';
import { createUser, runScript } from '@conduit/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../sessions';

const cliPath = fileURLToPath(new URL('./admin.ts', import.meta.url));

let workDir: string;
let dbDir: string;

/** In a temporary folder, whose .env the CLI reads, rather than the repository. */
function runCli(args: string[], env: Record<string, string> = {}) {
  return runScript(cliPath, args, { cwd: workDir, env });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'conduit-admin-cli-'));
  dbDir = join(workDir, 'db');
  const conn = await createDb({ pgliteDir: dbDir });
  try {
    await conn.migrate();
    const alice = await createUser(conn.db, { username: 'alice' });
    await createSession(conn.db, alice.id);
  } finally {
    await conn.close();
  }
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('admin CLI', () => {
  it('promotes an existing user found through .env, ending their sessions and auditing it', async () => {
    await writeFile(join(workDir, '.env'), `PGLITE_DIR=${dbDir}\n`);
    const unknown = await runCli(['nobody']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr.trim()).toBe('No user has the username or email "nobody"');

    const promoted = await runCli(['ALICE@example.com']);
    expect(promoted).toEqual({
      code: 0,
      stdout: 'alice is now an admin (was user); ended 1 session\n',
      stderr: '',
    });

    const conn = await createDb({ pgliteDir: dbDir });
    try {
      const [alice] = await conn.db.select().from(users).where(eq(users.username, 'alice'));
      expect(alice?.role).toBe('admin');
      expect(await conn.db.select().from(sessions)).toEqual([]);
      const audit = await conn.db.select().from(auditLog);
      expect(audit).toMatchObject([
        {
          action: 'admin.role.set',
          actorId: null,
          targetId: String(alice?.id),
          details: { from: 'user', to: 'admin', via: 'cli' },
        },
      ]);
    } finally {
      await conn.close();
    }
  });

  it('disables an account, ending its sessions, and enables it again', async () => {
    await writeFile(join(workDir, '.env'), `PGLITE_DIR=${dbDir}\n`);
    const conn = await createDb({ pgliteDir: dbDir });
    try {
      const bob = await createUser(conn.db, { username: 'bob' });
      await createSession(conn.db, bob.id);
    } finally {
      await conn.close();
    }
    expect(await runCli(['--disable', 'bob', '--reason', 'spam'])).toEqual({
      code: 0,
      stdout: 'bob is disabled; ended 1 session\n',
      stderr: '',
    });
    expect((await runCli(['--disable', 'bob'])).stdout).toBe('bob is already disabled\n');
    expect((await runCli(['--enable', 'BOB'])).stdout).toBe(
      'bob is enabled: they may sign in again\n',
    );
    const check = await createDb({ pgliteDir: dbDir });
    try {
      const [bob] = await check.db.select().from(users).where(eq(users.username, 'bob'));
      expect(bob?.disabledAt).toBeNull();
      expect(
        await check.db
          .select()
          .from(sessions)
          .where(eq(sessions.userId, bob?.id ?? 0)),
      ).toEqual([]);
      const actions = (await check.db.select().from(auditLog)).map((entry) => entry.action);
      expect(actions).toContain('admin.user.disable');
      expect(actions).toContain('admin.user.enable');
    } finally {
      await check.close();
    }
  }, 90_000); // three runs of the CLI, each starting an embedded database
});
