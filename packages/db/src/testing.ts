// Test databases: one per vitest worker, migrated once, emptied between tests; test data that
// reads like the domain; command-line tools run as operators run them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { inArray, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { createDb, type Database, type DbConnection, IN_MEMORY } from './client';
import { migratePglite, migrationsFolder } from './migrate';
import * as schema from './schema/index';

let connection: Promise<DbConnection> | undefined;
const queryListeners = new Set<(sql: string) => void>();
const onQuery = (sql: string) => {
  for (const listener of queryListeners) listener(sql);
};
let workerUrl: string | undefined;

/**
 * The worker's database: PGlite in memory by default, or a database of its own on the
 * PostgreSQL server named by TEST_DATABASE_URL (created fresh, then migrated).
 * Test files in one worker share it, so vitest runs with `isolate: false`.
 */
export function getTestDb(): Promise<DbConnection> {
  connection ??= openTestDb();
  return connection;
}

async function openTestDb(): Promise<DbConnection> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  workerUrl = baseUrl ? await createWorkerDatabase(baseUrl) : undefined;
  const conn = workerUrl
    ? await createDb({ url: workerUrl, poolMax: 4, onQuery })
    : await createDb({ pgliteDir: IN_MEMORY, pgliteImage: await migratedImage(), onQuery });
  await conn.migrate();
  return conn;
}

/**
 * A migrated, empty embedded database as PGlite's image of its folder, made by the first worker
 * that asks and kept in the system's temp folder under a name that changes with PGlite's version
 * and the migrations: PGlite's initdb takes about 4 s of CPU at every start, loading an image about
 * 1 s, and every worker of every package starts one. (migrate() still runs on it, and finds
 * nothing to do.) Written to a temporary name and renamed, so a worker never reads half an image.
 */
async function migratedImage(): Promise<Blob> {
  const file = join(tmpdir(), `conduit-pglite-image-${await migrationsKey()}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    // Not made yet: make it below.
  }
  const pglite = await PGlite.create();
  let image: Blob;
  try {
    await migratePglite(pglite);
    image = await pglite.dumpDataDir('none');
  } finally {
    await pglite.close();
  }
  const partial = `${file}.${process.pid}`;
  await writeFile(partial, new Uint8Array(await image.arrayBuffer()));
  await rename(partial, file);
  return image;
}

/**
 * PGlite's version and the migrations, as a short hash: what an image or template depends on.
 * Read once per test process.
 */
function migrationsKey(): Promise<string> {
  keyRead ??= readMigrationsKey();
  return keyRead;
}
let keyRead: Promise<string> | undefined;

async function readMigrationsKey(): Promise<string> {
  const key = createHash('sha256').update(await readFile(pglitePackageJson));
  for (const name of (await readdir(migrationsFolder, { recursive: true })).sort()) {
    const path = join(migrationsFolder, name);
    if ((await stat(path)).isFile()) key.update(name).update(await readFile(path));
  }
  return key.digest('hex').slice(0, 16);
}

/**
 * A folder of its own holding a migrated, empty embedded database, for a server or command started
 * as a process (PGLITE_DIR): the server starts on it in about 2.5 s, where `memory://` costs it
 * PGlite's initdb too (5.6 s in all). Copied from a template folder made once from the image (and
 * kept beside it). The caller removes the copy (40 MB) when it is done with it.
 */
export async function migratedDataDir(): Promise<string> {
  const template = join(tmpdir(), `conduit-pglite-folder-${await migrationsKey()}`);
  if (!existsSync(template)) {
    // Made under another name and renamed: a worker that finds the folder finds it whole.
    const staging = await mkdtemp(`${template}.`);
    const pglite = await PGlite.create(staging, { loadDataDir: await migratedImage() });
    await pglite.close();
    // Another worker may have made it meanwhile: theirs is kept.
    await rename(staging, template).catch(() => rm(staging, { recursive: true, force: true }));
  }
  const copy = await mkdtemp(join(tmpdir(), 'conduit-pglite-copy-'));
  await cp(template, copy, { recursive: true });
  return copy;
}

/** The SQL statements the test database received while `work` ran (work must not overlap others). */
export async function recordQueries<T>(
  work: () => Promise<T>,
): Promise<{ result: T; queries: string[] }> {
  const queries: string[] = [];
  const listener = (sql: string) => queries.push(sql);
  queryListeners.add(listener);
  try {
    return { result: await work(), queries };
  } finally {
    queryListeners.delete(listener);
  }
}

/** The worker's PostgreSQL database URL, or undefined when tests run on PGlite. */
export async function getTestDatabaseUrl(): Promise<string | undefined> {
  await getTestDb();
  return workerUrl;
}

/**
 * A fresh database per test process, named after the process id: vitest may run two processes
 * with the same pool id at once (a worker being replaced), so the pool id alone is not unique.
 * Databases of processes that are gone are dropped on the way.
 */
async function createWorkerDatabase(baseUrl: string): Promise<string> {
  const url = new URL(baseUrl);
  const base = url.pathname.slice(1) || 'postgres';
  const pkg = process.env.npm_package_name ?? 'conduit';
  const prefix = `${base}_${pkg}_p`.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  const name = `${prefix}${process.pid}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    const existing = await admin<{ datname: string }[]>`
      select datname from pg_database where starts_with(datname, ${prefix})`;
    for (const { datname } of existing) {
      const pid = Number(datname.slice(prefix.length));
      if (datname === name || !isAlive(pid)) {
        await admin.unsafe(`drop database if exists "${datname}" with (force)`);
      }
    }
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  return url.toString();
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const tables = Object.values(schema).filter((value) => is(value, PgTable));

/** Empties every table and restarts identities, so each test starts from a blank database. */
export async function resetDb(db: Database): Promise<void> {
  await db.execute(sql`truncate ${sql.join(tables, sql`, `)} restart identity cascade`);
}

export async function closeTestDb(): Promise<void> {
  const conn = await connection;
  connection = undefined;
  await conn?.close();
}

// Test data that reads like the domain --------------------------------------------------------

let sequence = 0;
const next = () => ++sequence;

type NewUser = typeof schema.users.$inferInsert;
type NewArticle = typeof schema.articles.$inferInsert;

export async function createUser(db: Database, fields: Partial<NewUser> = {}) {
  const username = fields.username ?? `user${next()}`;
  const [user] = await db
    .insert(schema.users)
    .values({
      email: `${username.toLowerCase()}@example.com`,
      passwordHash: 'not-a-hash',
      username,
      ...fields,
    })
    .returning();
  if (!user) throw new Error('createUser: insert returned no row');
  return user;
}

export async function createArticle(
  db: Database,
  author: { id: number },
  { tagList = [], ...fields }: Partial<Omit<NewArticle, 'authorId'>> & { tagList?: string[] } = {},
) {
  const n = next();
  const [article] = await db
    .insert(schema.articles)
    .values({
      slug: `article-${n}`,
      title: `Article ${n}`,
      description: 'About it',
      body: 'Body',
      ...fields,
      authorId: author.id,
    })
    .returning();
  if (!article) throw new Error('createArticle: insert returned no row');
  if (tagList.length > 0) {
    await db
      .insert(schema.tags)
      .values(tagList.map((name) => ({ name })))
      .onConflictDoNothing();
    const rows = await db.select().from(schema.tags).where(inArray(schema.tags.name, tagList));
    await db
      .insert(schema.articleTags)
      .values(rows.map((tag) => ({ articleId: article.id, tagId: tag.id })));
  }
  return article;
}

// Command-line tools as operators run them -------------------------------------------------------

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI's TypeScript source (`pnpm admin`, `pnpm db:reset`, ...) in a Node process of its own,
 * through tsx, in `cwd` (whose .env it reads), with PATH and `env` as its only environment, and
 * `input` (nothing by default) on its stdin.
 */
export function runScript(
  script: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<ScriptRun> {
  const child = spawn(process.execPath, ['--import', tsxLoader, script, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** PGlite's package.json, whose version is part of an image's name. */
const pglitePackageJson = (() => {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const marker = join('node_modules', '@electric-sql', 'pglite');
  return join(entry.slice(0, entry.lastIndexOf(marker) + marker.length), 'package.json');
})();

/** Resolved here, so the script can run in any folder (a temporary one, not the repository). */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
