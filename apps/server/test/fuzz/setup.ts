// The app the fuzzer talks to: built over the test database as in production but for its limits
// (off, or everything would soon be a 429), with a tiny web build, a hot-read cache that empties
// when the world is reset, and its warnings and errors kept by request id for the reports.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheStore, createMemoryCache } from '@conduit/api';
import type { Database } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { testConfig } from '../helpers';
import type { WorldValues } from './inputs';

/** The app's log lines of warnings and errors, by request id. */
function logCollector() {
  const lines = new Map<string, string[]>();
  return {
    stream: {
      write(line: string) {
        const id = /"reqId":"([^"]+)"/.exec(line)?.[1] ?? 'app';
        lines.set(id, [...(lines.get(id) ?? []), line.trim()]);
      },
    },
    /** The lines of these requests (and of none), forgetting every line kept so far. */
    take(ids: string[]): string[] {
      const found = [...ids, 'app'].flatMap((id) => lines.get(id) ?? []);
      lines.clear();
      return found;
    },
  };
}

/** A hot-read cache that starts empty again when the world is reset behind the API's back. */
function resettableCache(ttlMs: number): { store: CacheStore; reset(): void } {
  let inner = createMemoryCache({ ttlMs });
  return {
    store: {
      read: (key, load) => inner.read(key, load),
      invalidate: (tags) => inner.invalidate(tags),
      get stats() {
        return inner.stats;
      },
      answers: {
        get: (key) => inner.answers.get(key),
        watch: () => inner.answers.watch(),
      },
      keeps: true,
    },
    reset() {
      inner = createMemoryCache({ ttlMs });
    },
  };
}

/** A web app build of two files, so `/`, its assets and its client routes answer as in production. */
async function tinyWebBuild(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conduit-fuzz-web-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><title>Conduit</title><script src="/assets/app-1a2b3c.js"></script>',
  );
  await writeFile(join(dir, 'assets', 'app-1a2b3c.js'), 'console.log("conduit");');
  return dir;
}

export interface FuzzedApp {
  app: FastifyInstance;
  db: Database;
  logs: ReturnType<typeof logCollector>;
  /** Empties the hot-read cache (after the world was written behind the API's back). */
  forgetCache(): void;
  close(): Promise<void>;
}

export async function startApp(): Promise<FuzzedApp> {
  const database = await getTestDb();
  const logs = logCollector();
  const cache = resettableCache(30_000);
  const webRoot = await tinyWebBuild();
  const app = await buildApp(
    testConfig({
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '0',
      LOGIN_MAX_FAILURES_PER_IP: '0',
      LOGIN_MAX_ATTEMPTS_PER_IP: '0',
      REGISTER_MAX_PER_IP: '0',
      RESET_MAX_PER_IP: '0',
      RESET_MAX_PER_ADDRESS: '0',
      VERIFY_RESEND_MAX_PER_ACCOUNT: '0',
    }),
    { database, cache: cache.store, logStream: logs.stream, webRoot },
  );
  await app.ready();
  return {
    app,
    db: database.db,
    logs,
    forgetCache: () => cache.reset(),
    async close() {
      await app.close();
      await rm(webRoot, { recursive: true, force: true });
      // The worker's other test files share the database: they find it empty, as after any test.
      await resetDb(database.db);
    },
  };
}

/** What the generators need from the running world: a real page's cursor. */
export async function worldValues(app: FastifyInstance): Promise<WorldValues> {
  const page = await app.inject({
    method: 'GET',
    url: `/trpc/article.list?input=${encodeURIComponent('{"limit":1}')}`,
  });
  const cursor = page.json()?.result?.data?.nextCursor;
  if (typeof cursor !== 'string') throw new Error(`fuzz: no cursor in ${page.body}`);
  return { articleCursor: cursor };
}

/** The operations of /api's OpenAPI document, as docs/openapi.json is generated. */
export async function openApiDocument(app: FastifyInstance): Promise<unknown> {
  return (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
}
