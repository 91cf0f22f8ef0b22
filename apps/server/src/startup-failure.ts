// The one line an operator reads when the server cannot start: what to fix, and why.
import { inspect } from 'node:util';
import { DatabaseOpenError } from '@conduit/db';
import { databaseVariables } from './config';

/** "Conduit failed to start: DATABASE_URL: cannot connect to ...", on one line whatever the cause. */
export function startupFailureLine(error: unknown): string {
  let what: string;
  if (error instanceof DatabaseOpenError) {
    // A value that passed validation but does not work: name the variable, as ConfigError does.
    what = `${databaseVariables[error.setting]}: ${error.message}`;
  } else if (error instanceof Error) {
    what = error.message;
  } else {
    what = inspect(error, { breakLength: Number.POSITIVE_INFINITY }); // not "[object Object]"
  }
  return `Conduit failed to start: ${what}`.replace(/\s*\n\s*/g, ' ');
}
