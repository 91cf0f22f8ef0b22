// `pnpm fuzz`: the fuzz suite (fuzz.ts) with any seed and count, on the embedded database or,
// with TEST_DATABASE_URL, on a scratch PostgreSQL database created next to the one named (and
// dropped after). Never on DATABASE_URL: the fuzzer writes junk and empties tables.
import { closeTestDb, getTestDatabaseUrl } from '@conduit/db/testing';
import postgres from 'postgres';
import { type Fuzzer, SURFACES, type Surface, startFuzzer } from './fuzz';
import { failureReport, replayCommand } from './report';

const usage = `pnpm fuzz [--runs N] [--seed S] [--surface NAME[,NAME...]] [--path P] [--strict] [--bound MS]

  --runs N      runs per surface (default 200): a request each, a few for sequences and races
  --seed S      fast-check's seed (default: a random one, printed)
  --surface     any of (default: all):
                ${SURFACES.join(', ')}
  --path P      replay one run: the path a failure printed (with its seed and surface)
  --strict      known bugs (known-bugs.ts) fail the run too
  --bound MS    slowest acceptable answer (default 2000)

Runs on the embedded database (PGlite); TEST_DATABASE_URL=postgres://... runs it on PostgreSQL,
in a scratch database created next to the one named. Exit code 1 when a property fails.`;

interface Options {
  runs: number;
  seed: number;
  surfaces: Surface[];
  path: string | undefined;
  strict: boolean;
  boundMs: number;
}

class UsageError extends Error {}

function parseOptions(args: string[]): Options | 'help' {
  const options: Options = {
    runs: 200,
    seed: Math.floor(Math.random() * 2 ** 31),
    surfaces: [...SURFACES],
    path: undefined,
    strict: false,
    boundMs: 2000,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    const integer = () => {
      const text = value();
      if (!/^-?\d+$/.test(text)) throw new UsageError(`${arg} must be an integer, not ${text}`);
      return Number(text);
    };
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--runs') options.runs = integer();
    else if (arg === '--seed') options.seed = integer();
    else if (arg === '--bound') options.boundMs = integer();
    else if (arg === '--path') options.path = value();
    else if (arg === '--strict') options.strict = true;
    else if (arg === '--surface') {
      const names = value().split(',');
      const unknown = names.filter((name) => !(SURFACES as readonly string[]).includes(name));
      if (unknown.length > 0) throw new UsageError(`no surface ${unknown.join(', ')}`);
      options.surfaces = names as Surface[];
    } else throw new UsageError(`unknown option ${arg}`);
  }
  if (options.path && options.surfaces.length !== 1) {
    throw new UsageError('--path replays one run of one surface: give --surface too');
  }
  return options;
}

function statusSummary(fuzzer: Fuzzer): string {
  const totals = new Map<number, number>();
  for (const counts of fuzzer.statuses.values()) {
    for (const [status, n] of counts) totals.set(status, (totals.get(status) ?? 0) + n);
  }
  return [...totals]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
}

async function fuzz(options: Options): Promise<boolean> {
  const database = process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite';
  console.log(
    `fuzz: seed ${options.seed}, ${options.path ? `path ${options.path}` : `${options.runs} runs`} per surface, on ${database}${options.strict ? ', strict' : ''}`,
  );
  const fuzzer = await startFuzzer({ boundMs: options.boundMs, strict: options.strict });
  let passed = true;
  try {
    for (const surface of options.surfaces) {
      fuzzer.statuses.clear();
      const started = performance.now();
      const details = await fuzzer.check(surface, {
        numRuns: options.runs,
        seed: options.seed,
        path: options.path,
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `${details.failed ? 'FAIL' : 'ok  '} ${surface}: ${details.numRuns} runs in ${seconds} s (${statusSummary(fuzzer)})`,
      );
      if (details.failed) {
        passed = false;
        console.log(`\n${failureReport(surface, details)}\n`);
      }
    }
    for (const [bug, sighting] of fuzzer.known) {
      console.log(`\nknown bug, seen ${sighting.count}×: ${bug}\n${sighting.example}`);
      console.log(
        `replay: ${replayCommand(sighting.surface, options.seed, String(sighting.run), true)}`,
      );
    }
  } finally {
    await fuzzer.close();
  }
  return passed;
}

/** The scratch PostgreSQL database, if any, goes once the fuzzer is done with it. */
async function closeDatabase(): Promise<void> {
  const url = await getTestDatabaseUrl();
  await closeTestDb();
  const base = process.env.TEST_DATABASE_URL;
  if (!url || !base) return;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    const name = new URL(url).pathname.slice(1);
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}

let options: Options | 'help';
try {
  options = parseOptions(process.argv.slice(2).filter((arg) => arg !== '--'));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`fuzz: ${error.message}\n\n${usage}`);
  process.exit(2);
}
if (options === 'help') {
  console.log(usage);
  process.exit(0);
}
let passed = false;
try {
  passed = await fuzz(options);
} finally {
  await closeDatabase();
}
process.exit(passed ? 0 : 1);
