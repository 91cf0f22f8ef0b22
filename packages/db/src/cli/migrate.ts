// `pnpm db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database in PGLITE_DIR.
import { createDb } from '../client';
import { databaseFromEnv } from './env';

const database = databaseFromEnv();
const { url, pgliteDir } = database;
const started = performance.now();
const conn = await createDb({ ...database, poolMax: 1 });
try {
  await conn.migrate();
  const target = url ? 'PostgreSQL' : `the embedded database in ${pgliteDir}`;
  console.log(`Migrated ${target} in ${Math.round(performance.now() - started)} ms`);
} catch (error) {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await conn.close();
}
