// Where the database CLIs connect: the same variables, and the same .env file, as the server.
import { existsSync } from 'node:fs';

export const DEFAULT_PGLITE_DIR = '.data/pglite';

export function databaseFromEnv(): { url: string | undefined; pgliteDir: string } {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return {
    url: process.env.DATABASE_URL || undefined,
    pgliteDir: process.env.PGLITE_DIR || DEFAULT_PGLITE_DIR,
  };
}
