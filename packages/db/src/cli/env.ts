// What the command-line tools (db:migrate, db:seed, admin, mail:outbox) read from the environment:
// the same variables, and the same .env file, as the server. The one place they read it.
import { existsSync } from 'node:fs';

export const DEFAULT_PGLITE_DIR = '.data/pglite';

export interface CliEnvironment {
  database: {
    url: string | undefined;
    /** Behind a transaction pooler: the database itself (migrations and their lock go there). */
    directUrl: string | undefined;
    prepare: boolean;
    pgliteDir: string;
  };
  production: boolean;
  /** The port a server started from the same environment listens on, to point at its pages. */
  port: string;
  /** Where that server is reached (PUBLIC_ORIGIN, as the server reads it). */
  publicOrigin: string;
  /** The new admin's password for scripts (`pnpm admin --create`); unset, the CLI asks. */
  adminPassword: string | undefined;
}

export function cliEnvironment(): CliEnvironment {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = process.env;
  return {
    database: {
      url: env.DATABASE_URL || undefined,
      directUrl: env.DATABASE_DIRECT_URL || undefined,
      prepare: env.DATABASE_PREPARED_STATEMENTS !== 'false',
      pgliteDir: env.PGLITE_DIR || DEFAULT_PGLITE_DIR,
    },
    production: env.NODE_ENV === 'production',
    port: env.PORT || '3000',
    publicOrigin: (env.PUBLIC_ORIGIN || `http://localhost:${env.PORT || '3000'}`).replace(
      /\/$/,
      '',
    ),
    adminPassword: env.ADMIN_PASSWORD || undefined,
  };
}

export function databaseFromEnv(): CliEnvironment['database'] {
  return cliEnvironment().database;
}
