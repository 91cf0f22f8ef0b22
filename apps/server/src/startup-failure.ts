// The one line an operator reads when the server cannot start: what to fix, and why.
import { inspect } from 'node:util';
import { DatabaseOpenError, systemMessage } from '@conduit/db';
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

/** Node's words for a system error code: "connection refused, ECONNREFUSED". */
function causeOf(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' ? `${systemMessage(code) ?? text}, ${code}` : text;
}

/** host:port of a redis:// URL, without its password. */
function redisServer(url: string): string {
  if (!URL.canParse(url)) return 'the configured address';
  const { hostname, port } = new URL(url);
  return `${hostname || 'localhost'}:${port || '6379'}`;
}

/** REDIS_URL names a server that could not be reached at start. */
export function redisStartupError(url: string, error: unknown): Error {
  return new Error(
    `REDIS_URL: cannot connect to Redis at ${redisServer(url)} (${causeOf(error)})`,
    {
      cause: error,
    },
  );
}

/** The server could not listen where PORT and HOST say. */
export function listenStartupError(host: string, port: number, error: unknown): Error {
  const { code } = (error ?? {}) as { code?: unknown };
  // A port taken or reserved is PORT's to fix; an address this machine does not have is HOST's.
  const variable = code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? 'HOST' : 'PORT';
  return new Error(`${variable}: cannot listen on ${host}:${port} (${causeOf(error)})`, {
    cause: error,
  });
}
