import { type Role, sessions, sql, usernameIs, users } from '@conduit/db';
import { seedDatabase } from '@conduit/db/seed';
import { getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app';
import { type Config, loadConfig } from '../src/config';

/**
 * Test configuration. The hot-read cache is off unless `env` sets CACHE_TTL_MS: most tests write
 * to the database directly (createArticle, resetDb), past the invalidations the API makes.
 */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', CACHE_TTL_MS: '0', ...env });
}

/** The app over the worker's test database (PGlite, or PostgreSQL with TEST_DATABASE_URL). */
export async function buildTestApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  return buildApp(testConfig(env), { database: await getTestDb() });
}

/**
 * The app over the worker's test database, listening on a random loopback port (or `env.PORT`,
 * for a test that must know its origin before the server starts); returns it with its origin. Every request then comes from 127.0.0.1 and, with Redis, per-IP counters outlive a
 * run, so the per-IP sign-up and sign-in limits are off unless `env` sets them.
 */
export async function serveTestApp(
  env: Record<string, string> = {},
): Promise<{ app: FastifyInstance; origin: string }> {
  const app = await buildTestApp({
    REGISTER_MAX_PER_IP: '0',
    LOGIN_MAX_FAILURES_PER_IP: '0',
    LOGIN_MAX_ATTEMPTS_PER_IP: '0',
    RESET_MAX_PER_IP: '0',
    ...env,
  });
  await app.listen({ port: Number(env.PORT ?? 0), host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening on a port');
  return { app, origin: `http://127.0.0.1:${address.port}` };
}

/**
 * Gives a user a role straight in the test database, as `pnpm admin` does for the first admin
 * (every later role change goes through admin.setRole).
 */
export async function setRoleInTestDb(username: string, role: Role): Promise<void> {
  const { db } = await getTestDb();
  const changed = await db
    .update(users)
    .set({ role })
    .where(usernameIs(username))
    .returning({ id: users.id });
  if (changed.length !== 1) throw new Error(`setRoleInTestDb: no user ${username}`);
}

/**
 * Moves the user's sessions' last sign-in `minutes` into the past, straight in the test database:
 * past the window of sudo mode, so sensitive changes ask for the password again.
 */
export async function signedInAgoInTestDb(username: string, minutes: number): Promise<void> {
  const { db } = await getTestDb();
  await db
    .update(sessions)
    .set({ authenticatedAt: sql`${sessions.authenticatedAt} - make_interval(mins => ${minutes})` })
    .where(
      sql`${sessions.userId} = (select ${users.id} from ${users} where ${usernameIs(username)})`,
    );
}

/**
 * Replaces what the worker's test database holds with the demo data `pnpm db:seed` writes (same
 * generator), for a test that needs a realistic site: pages of articles by many authors, tags,
 * pictures. Browser test files share one database, one after another: a file that seeds empties
 * it again when done (`emptyTestDb`), so the others do not meet its data.
 */
export async function seedTestDb(options: {
  users: number;
  articles: number;
  seed?: number;
  /** The test server's origin, where the seeded users' pictures are drawn. */
  origin?: string;
}) {
  await emptyTestDb();
  const { db } = await getTestDb();
  return seedDatabase(db, { seed: 42, ...options });
}

export async function emptyTestDb(): Promise<void> {
  await resetDb((await getTestDb()).db);
}

/** Whether CI runs this (.ci/run sets CI=true): a test that needs something missing fails there. */
export const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
