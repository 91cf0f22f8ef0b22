// Sessions ended outside the server: the admin CLI, run by an operator while servers are up, ends a
// promoted user's sessions, and the copies those servers keep (in process, or shared in Redis)
// are dropped at once rather than honoured until they expire.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CacheStore, createMemoryCache } from '@conduit/api';
import { copiesKeptByServers, endSessions } from '@conduit/auth';
import { usernameIs, users } from '@conduit/db';
import { getTestDatabaseUrl, getTestDb, resetDb, runScript } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers';
import { buildApp } from '../app';
import { api, signUp } from '../rest/testing';
import { createRedisCache } from './redis';

beforeEach(async () => resetDb((await getTestDb()).db));

// The CLI as operators run it (`pnpm admin`): its own process, from the auth package's source.
const adminCli = fileURLToPath(
  new URL('../../../../packages/auth/src/cli/admin.ts', import.meta.url),
);

async function runAdminCli(args: string[], env: Record<string, string>) {
  // In an empty folder, so no .env file of the developer's is read.
  const cwd = await mkdtemp(join(tmpdir(), 'conduit-admin-'));
  try {
    const { code, stdout, stderr } = await runScript(adminCli, args, { cwd, env });
    return { code, output: stdout + stderr };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** The status of GET /api/user once it is `expected`, or the last one seen after `ms`. */
async function userStatusSettles(app: FastifyInstance, token: string, expected: number, ms = 3000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = (await api(app, 'GET', '/api/user', { token })).statusCode;
    if (status === expected || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const redisUrl = process.env.TEST_REDIS_URL;
const redis = redisUrl ? new Redis(redisUrl) : undefined;
const prefix = `conduit:test:ended:${randomUUID()}:`;
afterAll(async () => {
  if (!redis) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const stores: Record<string, (() => CacheStore) | undefined> = {
  'in process': () => createMemoryCache({ ttlMs: 60_000 }),
  'in Redis': redis ? () => createRedisCache(redis, { ttlMs: 60_000, prefix }) : undefined,
};

describe('sessions ended and announced through the database, as the admin CLI does', () => {
  const cache = createMemoryCache({ ttlMs: 60_000 });
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(testConfig(), { database: await getTestDb(), cache });
    await app.ready();
  });
  afterAll(() => app.close());

  it('are refused at once, and only their copies leave the cache', async () => {
    const { db } = await getTestDb();
    const [ended, kept] = [await signUp(app), await signUp(app)];
    for (const { token } of [ended, kept]) await api(app, 'GET', '/api/user', { token });
    const [user] = await db.select().from(users).where(usernameIs(ended.username));
    await endSessions(db, copiesKeptByServers(await getTestDb()), (_tx, sessions) =>
      sessions.end({ user: user?.id ?? 0 }),
    );
    expect(await userStatusSettles(app, ended.token, 401)).toBe(401);
    const hits = cache.stats.hits;
    expect((await api(app, 'GET', '/api/user', { token: kept.token })).statusCode).toBe(200);
    expect(cache.stats.hits).toBe(hits + 1);
  });
});

/** Promotes a signed-in user with the CLI while a server holds their session in `cache`. */
async function promoteWhileCached(cache: CacheStore) {
  const app = await buildApp(testConfig(), { database: await getTestDb(), cache });
  try {
    const user = await signUp(app);
    expect((await api(app, 'GET', '/api/user', { token: user.token })).statusCode).toBe(200);
    const hits = cache.stats.hits;
    expect((await api(app, 'GET', '/api/user', { token: user.token })).statusCode).toBe(200);
    expect(cache.stats.hits).toBe(hits + 1); // the session is served from the cache

    const cli = await runAdminCli([user.username], {
      DATABASE_URL: (await getTestDatabaseUrl()) ?? '',
    });
    expect(cli).toEqual({
      code: 0,
      output: `${user.username} is now an admin (was user); ended 1 session\n`,
    });
    expect(await userStatusSettles(app, user.token, 401)).toBe(401);
  } finally {
    await app.close();
  }
}

// A second process needs a database server: the embedded one belongs to the test process.
describe.runIf(process.env.TEST_DATABASE_URL)(
  'the admin CLI promoting a user (needs TEST_DATABASE_URL)',
  () => {
    for (const [where, store] of Object.entries(stores)) {
      // Starting the CLI (tsx, migrations) takes seconds, more on a busy machine.
      it.runIf(store)(
        `drops their cached sessions on a running server (cache ${where})`,
        () => promoteWhileCached(store?.() ?? createMemoryCache({ ttlMs: 60_000 })),
        60_000,
      );
    }
  },
);
