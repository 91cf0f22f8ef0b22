// `pnpm mail:outbox [--limit N]`: the latest mail in the outbox, newest first, with its text (and
// so its links) outside production. Connects as the server does (DATABASE_URL, else the embedded
// database in PGLITE_DIR; a .env file too). Exit codes: 0 listed, 1 failed, 2 bad usage.
import { parseArgs } from 'node:util';
import { createDb } from '@conduit/db';
import { cliEnvironment } from '@conduit/db/cli-env';
import { latestMail } from '../listing';
import { formatOutbox } from './format';

const USAGE = 'Usage: pnpm mail:outbox [--limit N]   (N from 1 to 500, default 20)';

function limitOf(args: string[]): number | undefined {
  try {
    const { values } = parseArgs({ args, strict: true, options: { limit: { type: 'string' } } });
    const limit = Number(values.limit ?? 20);
    return Number.isInteger(limit) && limit >= 1 && limit <= 500 ? limit : undefined;
  } catch {
    return undefined;
  }
}

async function main(args: string[]): Promise<number> {
  const limit = limitOf(args);
  if (limit === undefined) {
    console.error(USAGE);
    return 2;
  }
  const env = cliEnvironment();
  const { url, pgliteDir } = env.database;
  const { production } = env;
  try {
    const conn = await createDb({ ...env.database, poolMax: 1 });
    try {
      await conn.migrate();
      console.log(formatOutbox(await latestMail(conn.db, limit), { showBodies: !production }));
    } finally {
      await conn.close();
    }
  } catch (error) {
    console.error(`mail:outbox: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (production) console.error('\n(Bodies left out in production: they may hold live links.)');
  if (!url) {
    // One process owns an embedded database: a running server's latest writes are not on disk yet.
    const page = `http://localhost:${env.port}/dev/mail`;
    console.error(
      `\n(Read from the embedded database in ${pgliteDir}. While a development server runs on ` +
        `it, list its mail at ${page} instead.)`,
    );
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
