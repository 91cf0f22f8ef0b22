// Where the database CLIs connect: the same variables, and the same .env file, as the server.
import { existsSync } from 'node:fs';

export const DEFAULT_PGLITE_DIR = '.data/pglite';

function loadDotEnv(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
}

export function databaseFromEnv(): { url: string | undefined; pgliteDir: string } {
  loadDotEnv();
  return {
    url: process.env.DATABASE_URL || undefined,
    pgliteDir: process.env.PGLITE_DIR || DEFAULT_PGLITE_DIR,
  };
}

/** Whether NODE_ENV (from the environment or .env) says production: destructive CLIs hold back. */
export function isProductionFromEnv(): boolean {
  loadDotEnv();
  return process.env.NODE_ENV === 'production';
}
