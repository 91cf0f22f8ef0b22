// `pnpm db:reset [--yes] [--force]`: empties the database (DATABASE_URL, or the embedded one in
// PGLITE_DIR) and migrates it afresh, after asking. `--yes` skips the question (for scripts);
// with NODE_ENV=production it refuses unless `--force` is given too. Exit codes: 0 done, 1 failed
// or not confirmed, 2 bad usage or refused.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { describeTarget, ResetRefused, resetDatabase } from '../reset';
import { cliEnvironment } from './env';

const USAGE = 'Usage: pnpm db:reset [--yes] [--force]';

async function confirmed(target: string): Promise<boolean> {
  const lines = createInterface({ input: process.stdin, output: process.stderr });
  // stdin may end without an answer (a script with nothing piped in): that is a no.
  const ended = new Promise<string>((resolve) => lines.once('close', () => resolve('')));
  try {
    const answer = await Promise.race([
      lines.question(`This deletes every table and row of ${target}. Type "yes" to go on: `),
      ended,
    ]);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    lines.close();
  }
}

async function main(args: string[]): Promise<number> {
  let options: { yes?: boolean; force?: boolean };
  try {
    options = parseArgs({
      args,
      strict: true,
      options: { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' } },
    }).values;
  } catch (error) {
    console.error(
      `${(error instanceof Error ? error.message : String(error)).split('. ')[0]}. ${USAGE}`,
    );
    return 2;
  }
  const { database, production } = cliEnvironment();
  const target = describeTarget(database);
  if (production && !options.force) {
    console.error(`NODE_ENV is production: not resetting ${target} (add --force if you mean it)`);
    return 2;
  }
  if (!options.yes && !(await confirmed(target))) {
    console.error('Not confirmed: nothing was deleted');
    return 1;
  }
  const started = performance.now();
  try {
    await resetDatabase(database);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`db:reset: ${reason}`);
    return error instanceof ResetRefused ? 2 : 1;
  }
  console.log(
    `Reset ${target}: emptied and migrated in ${Math.round(performance.now() - started)} ms`,
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
