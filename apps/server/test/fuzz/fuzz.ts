/**
 * The fuzz suite, shared by `fuzz.test.ts` (a fixed seed, a few hundred runs) and `pnpm fuzz`
 * (any seed and count): generated requests to every tRPC procedure, every REST operation and
 * other paths, each sent as some actor through app.inject() over the test database, and these
 * properties of every answer:
 * 1. never a 5xx;
 * 2. never slower than a bound (2 s by default);
 * 3. errors in the documented shape of their surface (REST, tRPC, the app's own);
 * 4. a refused request (and any read) changes nothing in the database;
 * and cookie-authenticated changes from another origin are refused, and JSON with prototype keys
 * is never accepted. Each run starts from the same seeded world, so a failing run replays from
 * its seed and path alone.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheStore, createMemoryCache } from '@conduit/api';
import { getTestDb } from '@conduit/db/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { testConfig } from '../helpers';
import { answerProblems, isRead, refused } from './checks';
import type { WorldValues } from './inputs';
import { knownBugOf } from './known-bugs';
import { describeFailure, printable } from './report';
import { otherCalls, restCalls, restOperations } from './rest-requests';
import { type Outcome, send } from './send';
import { batchCalls, singleCalls } from './trpc-requests';
import type { FuzzRequest } from './wire';
import { changedTables, type Fingerprint, fingerprint, resetWorld, WORLD } from './world';

export const SURFACES = [
  'trpc-queries',
  'trpc-mutations',
  'trpc-subscriptions',
  'trpc-batches',
  'rest-reads',
  'rest-writes',
  'other',
] as const;
export type Surface = (typeof SURFACES)[number];

export interface FuzzerOptions {
  /** Slowest acceptable answer, in milliseconds. */
  boundMs?: number;
  /** Known bugs fail the run too (to check that their fixes landed). */
  strict?: boolean;
}

/** A known bug seen while fuzzing: how often, and its first example with where to replay it. */
export interface KnownBugSighting {
  count: number;
  example: string;
  surface: Surface;
  run: number;
}

/** How many runs, from which seed; `path` replays one failure (from fast-check's report). */
export interface RunParameters {
  numRuns: number;
  seed: number;
  path?: string | undefined;
}

export interface Fuzzer {
  /** Runs the surface's property; the details say whether (and how, where) it failed. */
  check(surface: Surface, parameters: RunParameters): Promise<fc.RunDetails<[FuzzRequest]>>;
  /** Known bugs seen so far, by id. */
  known: Map<string, KnownBugSighting>;
  /** How many answers of each status each target got: whether the inputs reach the procedures. */
  statuses: Map<string, Map<number, number>>;
  close(): Promise<void>;
}

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
    take(id: string): string[] {
      const found = [...(lines.get(id) ?? []), ...(lines.get('app') ?? [])];
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
      get: (key) => inner.get(key),
      set: (key, value) => inner.set(key, value),
      generation: (namespace) => inner.generation(namespace),
      bump: (namespace) => inner.bump(namespace),
      get stats() {
        return inner.stats;
      },
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

async function worldValues(app: FastifyInstance): Promise<WorldValues> {
  const page = await app.inject({
    method: 'GET',
    url: `/trpc/article.list?input=${encodeURIComponent('{"limit":1}')}`,
  });
  const cursor = page.json()?.result?.data?.nextCursor;
  if (typeof cursor !== 'string') throw new Error(`fuzz: no cursor in ${page.body}`);
  return { articleCursor: cursor };
}

/** Builds the app over the test database, seeds the world and returns the properties. */
export async function startFuzzer({
  boundMs = 2000,
  strict = false,
}: FuzzerOptions = {}): Promise<Fuzzer> {
  const { db } = await getTestDb();
  const logs = logCollector();
  const cache = resettableCache(30_000);
  const webRoot = await tinyWebBuild();
  const app = await buildApp(
    testConfig({
      LOG_LEVEL: 'warn',
      // Limits would soon answer everything with 429, hiding what lies behind them.
      RATE_LIMIT_MAX: '0',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '0',
      LOGIN_MAX_ATTEMPTS_PER_IP: '0',
      REGISTER_MAX_PER_IP: '0',
    }),
    { database: await getTestDb(), cache: cache.store, logStream: logs.stream, webRoot },
  );
  await app.ready();

  let baseline: Fingerprint;
  const reset = async () => {
    await resetWorld(db);
    cache.reset();
    baseline = await fingerprint(db);
  };
  await reset();
  const world = await worldValues(app);
  // The OpenAPI document of /api, as docs/openapi.json is generated.
  const operations = restOperations(
    (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json(),
  );
  const arbitraries: Record<Surface, fc.Arbitrary<FuzzRequest>> = {
    'trpc-queries': singleCalls(world, ['query']),
    'trpc-mutations': singleCalls(world, ['mutation']),
    'trpc-subscriptions': singleCalls(world, ['subscription']),
    'trpc-batches': batchCalls(world),
    'rest-reads': restCalls(operations, world, false),
    'rest-writes': restCalls(operations, world, true),
    other: otherCalls,
  };

  const known = new Map<string, KnownBugSighting>();
  const statuses = new Map<string, Map<number, number>>();
  let run = 0;

  async function check(surface: Surface, request: FuzzRequest): Promise<void> {
    const outcome = await send(app, request, WORLD.tokens, boundMs + 3000);
    if (!outcome) {
      fc.pre(false);
      return;
    }
    const counts = statuses.get(request.target) ?? new Map<number, number>();
    counts.set(outcome.status, (counts.get(outcome.status) ?? 0) + 1);
    statuses.set(request.target, counts);
    const problems = answerProblems(request, outcome, boundMs);
    problems.push(...(await dataProblems(request, outcome)));
    const log = logs.take(outcome.requestId);
    const unexplained = problems.filter((problem) => {
      const bug = strict ? undefined : knownBugOf(problem, request, outcome);
      if (!bug) return true;
      const seen = known.get(bug);
      if (seen) seen.count += 1;
      else
        known.set(bug, {
          count: 1,
          example: describeFailure(request, outcome, [problem], log),
          surface,
          run,
        });
      return false;
    });
    if (unexplained.length > 0)
      throw new Error(describeFailure(request, outcome, unexplained, log));
  }

  /** Property 4: compares the data with the world's; a change after a success resets the world. */
  async function dataProblems(request: FuzzRequest, outcome: Outcome): Promise<string[]> {
    const now = await fingerprint(db);
    const problems: string[] = [];
    if (now.kept !== baseline.kept) {
      const tables = changedTables(baseline.kept, now.kept).join(', ');
      if (refused(outcome)) problems.push(`refused with ${outcome.status}, yet changed ${tables}`);
      else if (isRead(request)) problems.push(`a ${request.method} changed ${tables}`);
    }
    if (now.all !== baseline.all) await reset();
    return problems;
  }

  return {
    async check(surface, { numRuns, seed, path }) {
      run = -1;
      const property = fc
        .asyncProperty(arbitraries[surface].map(printable), (request) => check(surface, request))
        .beforeEach((previous) => {
          run += 1;
          return previous();
        });
      return fc.check(property, { numRuns, seed, ...(path ? { path } : {}) });
    },
    known,
    statuses,
    async close() {
      await app.close();
      await rm(webRoot, { recursive: true, force: true });
    },
  };
}
