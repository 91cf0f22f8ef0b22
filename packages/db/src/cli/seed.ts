// `pnpm db:seed [--users N] [--articles N] [--seed N] [--if-empty]`: fills the database with demo data.
import { createDb, type DbConnection } from '../client';
import { parseSeedArgs, seedUsage } from '../seed/args';
import { countUsers, SEED_PASSWORD, type SeedStats, seedDatabase } from '../seed/index';
import { formatCount, ProgressReporter } from '../seed/progress';
import { cliEnvironment } from './env';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

async function main(): Promise<number> {
  const parsed = parseSeedArgs(process.argv.slice(2));
  if (!parsed.ok) {
    process.stderr.write(`db:seed: ${parsed.error}\n`);
    return EXIT_USAGE;
  }
  const options = parsed.options;
  if (options.help) {
    process.stdout.write(`${seedUsage}\n`);
    return 0;
  }

  const { database, publicOrigin } = cliEnvironment();
  const conn = await createDb({ ...database, poolMax: 2 });
  // The first Ctrl-C stops after the current chunk and rolls back; a second one quits at once.
  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write('\nInterrupted: rolling back, nothing will be kept...\n');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await seed(
      conn,
      database.pgliteDir,
      { ...options, origin: publicOrigin },
      interrupt.signal,
    );
  } catch (error) {
    if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    await conn.close();
  }
}

async function seed(
  conn: DbConnection,
  pgliteDir: string,
  options: { users: number; articles: number; seed: number; ifEmpty: boolean; origin: string },
  signal: AbortSignal,
): Promise<number> {
  const where = conn.driver === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${pgliteDir}`;
  await conn.migrate();
  const existing = await countUsers(conn.db);
  if (existing > 0 && options.ifEmpty) {
    process.stdout.write(
      `The database already has ${formatCount(existing)} users; nothing seeded (--if-empty).\n`,
    );
    return 0;
  }
  process.stderr.write(
    `Seeding ${where}: ${formatCount(options.users)} users, ${formatCount(options.articles)} articles, seed ${options.seed}\n`,
  );
  if (existing > 0) {
    process.stderr.write(
      `Note: the database already has ${formatCount(existing)} users; the demo data is added beside them.\n`,
    );
  }

  const startedAt = performance.now();
  const progress = new ProgressReporter(process.stderr);
  let stats: SeedStats;
  try {
    stats = await seedDatabase(conn.db, {
      users: options.users,
      articles: options.articles,
      seed: options.seed,
      origin: options.origin,
      signal,
      onProgress: (done, total, rows) => progress.update(done, total, rows),
    });
  } finally {
    progress.finish();
  }
  const seconds = (performance.now() - startedAt) / 1000;
  if (stats.users > 0) {
    process.stdout.write(`Every seeded account's password is "${SEED_PASSWORD}".\n`);
  }
  process.stdout.write(`${summary(stats, seconds)}\n`);
  return 0;
}

function summary(stats: SeedStats, seconds: number): string {
  const parts = [
    `users ${formatCount(stats.users)}`,
    `follows ${formatCount(stats.follows)}`,
    `tags ${formatCount(stats.tags)}`,
    `articles ${formatCount(stats.articles)}`,
    `article tags ${formatCount(stats.articleTags)}`,
    `favorites ${formatCount(stats.favorites)}`,
    `comments ${formatCount(stats.comments)}`,
  ];
  const rate = seconds > 0 ? stats.total / seconds : 0;
  return `Seeded ${formatCount(stats.total)} rows (${parts.join(', ')}) in ${seconds.toFixed(1)} s — ${formatCount(rate)} rows/s`;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `db:seed failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = EXIT_FAILURE;
  },
);
