// `pnpm db:reset` as an operator runs it: a separate process that asks before it deletes.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../client';
import { users } from '../schema/index';
import { createUser, runScript } from '../testing';

const cliPath = fileURLToPath(new URL('./reset.ts', import.meta.url));

let workDir: string;

function runCli(args: string[], options: { env?: Record<string, string>; answer?: string } = {}) {
  return runScript(cliPath, args, { cwd: workDir, env: options.env, input: options.answer });
}

/** The usernames in the database `target` names, or 'no table' when it has no users table. */
async function usernames(target: {
  url?: string;
  pgliteDir?: string;
}): Promise<string[] | 'no table'> {
  const conn = await createDb({ ...target, poolMax: 1 });
  try {
    const found = await conn.db.execute(
      sql`select to_regclass('public.users') is not null as found`,
    );
    const rows = (Array.isArray(found) ? found : (found as { rows: unknown[] }).rows) as {
      found: boolean;
    }[];
    if (!rows[0]?.found) return 'no table';
    return (await conn.db.select({ username: users.username }).from(users)).map((u) => u.username);
  } finally {
    await conn.close();
  }
}

async function seededPglite(name: string): Promise<string> {
  const dir = join(workDir, name);
  const conn = await createDb({ pgliteDir: dir });
  try {
    await conn.migrate();
    await createUser(conn.db, { username: 'alice' });
  } finally {
    await conn.close();
  }
  return dir;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'conduit-db-reset-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

// A fresh embedded database takes seconds to migrate (half a minute on a loaded machine): the
// tests share two and give themselves time.
const SLOW = 180_000;

describe('db:reset on the embedded database', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await seededPglite('asked');
  }, SLOW);

  it(
    'deletes nothing unless the answer is yes',
    async () => {
      const env = { PGLITE_DIR: dir };
      const [no, silence, typo] = await Promise.all([
        runCli([], { env, answer: 'no\n' }),
        runCli([], { env }),
        runCli([], { env, answer: 'yess\n' }),
      ]);
      for (const run of [no, silence, typo]) {
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(
          `This deletes every table and row of the embedded database in ${dir}`,
        );
        expect(run.stderr).toContain('Not confirmed: nothing was deleted');
      }
      expect(await usernames({ pgliteDir: dir })).toEqual(['alice']);
    },
    SLOW,
  );

  it(
    'on "yes" empties the database and migrates it afresh',
    async () => {
      const asked = await runCli([], { env: { PGLITE_DIR: dir }, answer: 'yes\n' });
      expect(asked.stderr).not.toContain('Not confirmed');
      expect(asked.code).toBe(0);
      expect(asked.stdout).toMatch(
        /^Reset the embedded database in .*: emptied and migrated in \d+ ms/,
      );
      expect(await usernames({ pgliteDir: dir })).toEqual([]);
    },
    SLOW,
  );

  it(
    'reads PGLITE_DIR and NODE_ENV from a .env file; in production only --yes --force resets',
    async () => {
      const seeded = await seededPglite('production');
      await writeFile(join(workDir, '.env'), `PGLITE_DIR=${seeded}\nNODE_ENV=production\n`);
      try {
        const refused = await runCli(['--yes']);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain('NODE_ENV is production: not resetting');
        expect(await usernames({ pgliteDir: seeded })).toEqual(['alice']);

        const forced = await runCli(['--yes', '--force']);
        expect(forced.stderr).toBe(''); // --yes: no question asked
        expect(forced.code).toBe(0);
        expect(await usernames({ pgliteDir: seeded })).toEqual([]);
      } finally {
        await rm(join(workDir, '.env'));
      }
    },
    SLOW,
  );

  it(
    'leaves a folder that is not an embedded database alone, and answers bad usage with 2',
    async () => {
      const documents = join(workDir, 'documents');
      await mkdir(documents);
      await writeFile(join(documents, 'notes.txt'), 'mine');
      const [run, bad] = await Promise.all([
        runCli(['--yes'], { env: { PGLITE_DIR: documents } }),
        runCli(['--yse'], { env: { PGLITE_DIR: documents } }),
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('does not look like an embedded database');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('Usage: pnpm db:reset [--yes] [--force]');
      expect(await readdir(documents)).toEqual(['notes.txt']);
    },
    SLOW,
  );
});

const baseUrl = process.env.TEST_DATABASE_URL;

describe.runIf(baseUrl)('db:reset on PostgreSQL (needs TEST_DATABASE_URL)', () => {
  let url: string;
  let admin: postgres.Sql;
  const name = `reset_cli_${process.pid}`;

  beforeAll(async () => {
    admin = postgres(baseUrl ?? '', { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
    const parsed = new URL(baseUrl ?? '');
    parsed.pathname = `/${name}`;
    url = parsed.href;
  });

  afterAll(async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  it(
    "drops Conduit's tables, functions and migration record, and nothing outside them",
    async () => {
      const conn = await createDb({ url, poolMax: 1 });
      try {
        await conn.migrate();
        await createUser(conn.db, { username: 'alice' });
        await conn.db.execute(sql`create schema other`);
        await conn.db.execute(sql`create table other.notes (body text)`);
        await conn.db.execute(sql`insert into other.notes values ('mine')`);
      } finally {
        await conn.close();
      }
      const run = await runCli(['--yes'], { env: { DATABASE_URL: url } });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Reset PostgreSQL database ${name} on `);
      expect(run.stdout).not.toContain('@');
      expect(await usernames({ url })).toEqual([]);
      const client = postgres(url, { max: 1, onnotice: () => {} });
      try {
        expect(await client`select body from other.notes`).toEqual([{ body: 'mine' }]);
        // Migrated afresh: the counting triggers' functions are back, once each.
        const functions = await client`
        select count(*)::int as n from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'public' and p.proname = 'articles_counted'`;
        expect(functions).toEqual([{ n: 1 }]);
      } finally {
        await client.end();
      }
    },
    SLOW,
  );
});
