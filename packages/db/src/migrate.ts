// Applies the SQL migrations that drizzle-kit generated into ../migrations.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as runPgliteMigrations } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as runPostgresMigrations } from 'drizzle-orm/postgres-js/migrator';
import postgres, { type Sql } from 'postgres';
import { CONNECT_TIMEOUT_S } from './open-errors';

/**
 * Found through the package rather than relative to this file, so it still resolves when this
 * module is bundled into an app (apps/server/dist) that depends on @conduit/db.
 */
export const migrationsFolder = join(
  dirname(createRequire(import.meta.url).resolve('@conduit/db/package.json')),
  'migrations',
);

/** Arbitrary but fixed: every Conduit process migrating the same database takes this lock. */
const MIGRATION_LOCK_KEY = 726_173_001;

export async function migratePostgres(client: Sql, url: string): Promise<void> {
  // Several instances may start at once; the advisory lock lets one migrate while the others wait,
  // then find nothing left to do. The lock lives on a connection of its own, so the pool (which
  // may hold a single connection) stays free for the migrations.
  const lock = postgres(url, { max: 1, connect_timeout: CONNECT_TIMEOUT_S, onnotice: () => {} });
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await runPostgresMigrations(drizzlePostgres(client), { migrationsFolder });
  } finally {
    await lock.end({ timeout: 5 }); // ending the session releases the lock
  }
}

export async function migratePglite(client: PGlite): Promise<void> {
  // One process owns an embedded database, so no lock is needed.
  await runPgliteMigrations(drizzlePglite(client), { migrationsFolder });
}
