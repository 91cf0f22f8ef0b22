/**
 * The fuzz suite, shared by `fuzz.test.ts` (a fixed seed, a few hundred runs) and `pnpm fuzz`
 * (any seed and count): generated requests to every tRPC procedure, every REST operation and
 * other paths, sent as some actor through app.inject() over the test database, one per run, a
 * few in a row, or a few at once; and these properties of every answer:
 * 1. never a 5xx;
 * 2. never slower than a bound (2 s by default);
 * 3. errors in the documented shape of their surface (REST, tRPC, the app's own);
 * 4. a refused request (and any read) changes nothing in the database;
 * besides a few documented rules (checks.ts): cookie-authenticated changes from elsewhere are 403,
 * JSON with prototype keys is refused, no input gets past the schemas to be refused by the
 * database. Each run starts from the same seeded world (world.ts), so a failing run replays from
 * its seed and path alone. Decision 017 says why it is built this way.
 */
import fc from 'fast-check';
import { answerProblems, isRead, refused } from './checks';
import { knownBugOf } from './known-bugs';
import { describeFailure } from './report';
import { otherCalls, restCalls, restOperations } from './rest-requests';
import { races, type Scenario, sequences, single } from './scenarios';
import { type Outcome, send } from './send';
import { openApiDocument, startApp, worldValues } from './setup';
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
  'sequences',
  'races',
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
  check(surface: Surface, parameters: RunParameters): Promise<fc.RunDetails<[Scenario]>>;
  /** Known bugs seen so far, by id. */
  known: Map<string, KnownBugSighting>;
  /** How many answers of each status each target got: whether the inputs reach the procedures. */
  statuses: Map<string, Map<number, number>>;
  close(): Promise<void>;
}

/** How long a failure is shrunk for, at most. */
const SHRINK_BUDGET_MS = 30_000;

/** One request and its answer, with what is wrong with them. */
interface Judged {
  request: FuzzRequest;
  outcome: Outcome;
  problems: string[];
}

/** Builds the app over the test database, seeds the world and returns the properties. */
export async function startFuzzer({
  boundMs = 2000,
  strict = false,
}: FuzzerOptions = {}): Promise<Fuzzer> {
  const { app, db, logs, forgetCache, close } = await startApp();
  let world: Fingerprint;
  const reset = async () => {
    await resetWorld(db);
    forgetCache();
    world = await fingerprint(db);
  };
  await reset();

  const values = await worldValues(app);
  const operations = restOperations(
    (await openApiDocument(app)) as Parameters<typeof restOperations>[0],
  );
  const requests = {
    'trpc-queries': singleCalls(values, ['query']),
    'trpc-mutations': singleCalls(values, ['mutation']),
    'trpc-subscriptions': singleCalls(values, ['subscription']),
    'trpc-batches': batchCalls(values),
    'rest-reads': restCalls(operations, values, false),
    'rest-writes': restCalls(operations, values, true),
    other: otherCalls,
  };
  const writes = fc.oneof(requests['trpc-mutations'], requests['rest-writes']);
  const scenarios: Record<Surface, fc.Arbitrary<Scenario>> = {
    'trpc-queries': single(requests['trpc-queries']),
    'trpc-mutations': single(requests['trpc-mutations']),
    'trpc-subscriptions': single(requests['trpc-subscriptions']),
    'trpc-batches': single(requests['trpc-batches']),
    'rest-reads': single(requests['rest-reads']),
    'rest-writes': single(requests['rest-writes']),
    other: single(requests.other),
    sequences: sequences([
      writes,
      writes,
      requests['trpc-queries'],
      requests['rest-reads'],
      requests['trpc-batches'],
    ]),
    races: races(writes),
  };

  const known = new Map<string, KnownBugSighting>();
  const statuses = new Map<string, Map<number, number>>();
  let run = 0;

  async function sendCounted(request: FuzzRequest): Promise<Outcome | undefined> {
    const outcome = await send(app, request, WORLD.tokens, boundMs + 3000);
    if (outcome) {
      const counts = statuses.get(request.target) ?? new Map<number, number>();
      counts.set(outcome.status, (counts.get(outcome.status) ?? 0) + 1);
      statuses.set(request.target, counts);
    }
    return outcome;
  }

  /** Property 4 for one request: what changed since `before`, and whether it may have. */
  function dataProblems(
    request: FuzzRequest,
    outcome: Outcome,
    before: Fingerprint,
    after: Fingerprint,
  ) {
    if (after.kept === before.kept) return [];
    const tables = changedTables(before.kept, after.kept).join(', ');
    if (refused(outcome)) return [`refused with ${outcome.status}, yet changed ${tables}`];
    if (isRead(request)) return [`a ${request.method} changed ${tables}`];
    return [];
  }

  /** One after the other, each compared with the data as the one before left it. */
  async function inARow(steps: FuzzRequest[]): Promise<{ judged: Judged[]; after: Fingerprint }> {
    const judged: Judged[] = [];
    let before = world;
    for (const request of steps) {
      const outcome = await sendCounted(request);
      if (!outcome) continue;
      const after = await fingerprint(db);
      const problems = [
        ...answerProblems(request, outcome, boundMs),
        ...dataProblems(request, outcome, before, after),
      ];
      judged.push({ request, outcome, problems });
      before = after;
    }
    return { judged, after: before };
  }

  /** All at once: each answer judged alone; the data unchanged only if every one was refused. */
  async function atOnce(steps: FuzzRequest[]): Promise<{ judged: Judged[]; after: Fingerprint }> {
    const outcomes = await Promise.all(steps.map(sendCounted));
    const after = await fingerprint(db);
    const judged = steps.flatMap((request, i): Judged[] => {
      const outcome = outcomes[i];
      return outcome
        ? [{ request, outcome, problems: answerProblems(request, outcome, boundMs) }]
        : [];
    });
    const first = judged[0];
    if (first && judged.every((j) => refused(j.outcome)) && after.kept !== world.kept) {
      first.problems.push(
        `all refused, yet ${changedTables(world.kept, after.kept).join(', ')} changed`,
      );
    }
    return { judged, after };
  }

  /** Known bugs are counted (first sighting kept); anything else fails the run. */
  function unexplained(
    surface: Surface,
    { request, outcome, problems, log }: Judged & { log: string[] },
  ) {
    return problems.filter((problem) => {
      const bug = strict ? undefined : knownBugOf(problem, request, outcome);
      if (!bug) return true;
      const seen = known.get(bug);
      if (seen) seen.count += 1;
      else {
        const example = describeFailure(request, outcome, [problem], log);
        known.set(bug, { count: 1, example, surface, run });
      }
      return false;
    });
  }

  async function check(surface: Surface, { steps, concurrent }: Scenario): Promise<void> {
    const { judged, after } = concurrent ? await atOnce(steps) : await inARow(steps);
    if (judged.length === 0) fc.pre(false);
    // A success changed the data: the next run starts from the world again.
    if (after.all !== world.all) await reset();
    const lines = logs.take(judged.map((j) => j.outcome.requestId));
    const failures = judged.flatMap((j) => {
      // The request's own lines, and those of no request (the app's).
      const log = lines.filter(
        (line) => line.includes(`"reqId":"${j.outcome.requestId}"`) || !line.includes('"reqId"'),
      );
      const problems = unexplained(surface, { ...j, log });
      return problems.length === 0 ? [] : [describeFailure(j.request, j.outcome, problems, log)];
    });
    if (failures.length === 0) return;
    // The others sent in the same run: what the failing request met.
    const context =
      judged.length < 2
        ? []
        : [
            `  sent ${concurrent ? 'at once' : 'in a row'}: ${judged
              .map(
                (j) => `${j.request.method} ${j.request.url.slice(0, 120)} → ${j.outcome.status}`,
              )
              .join('; ')}`,
          ];
    throw new Error([...failures, ...context].join('\n'));
  }

  return {
    async check(surface, { numRuns, seed, path }) {
      run = -1;
      let failedAt: number | undefined;
      const property = fc
        .asyncProperty(scenarios[surface], async (scenario) => {
          // Shrinking runs of several requests can take many minutes: past the budget, every
          // candidate passes, which ends it with the smallest failure found so far.
          if (failedAt !== undefined && performance.now() - failedAt > SHRINK_BUDGET_MS) return;
          try {
            await check(surface, scenario);
          } catch (error) {
            // A skipped run (a request inject() cannot send) is no failure to shrink.
            if (!fc.PreconditionFailure.isFailure(error)) failedAt ??= performance.now();
            throw error;
          }
        })
        .beforeEach((previous) => {
          run += 1;
          return previous();
        });
      return fc.check(property, { numRuns, seed, ...(path ? { path } : {}) });
    },
    known,
    statuses,
    close,
  };
}
