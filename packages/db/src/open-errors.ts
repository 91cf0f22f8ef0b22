// Why a database could not be opened, in words an operator can act on. The drivers say it their
// own way (postgres.js passes Node's socket errors through, PGlite throws Emscripten's errno
// objects, which are not Errors); DatabaseOpenError says which setting led there and what failed.
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

/**
 * How long a new PostgreSQL connection may take to be ready (TCP, TLS, login). A server on the
 * same network answers in milliseconds; one that accepts and never answers must not hold a
 * starting server (or a request waiting for a connection) for long.
 */
export const CONNECT_TIMEOUT_S = 5;

/** The DbConfig field whose value could not be used; the app knows what its users call it. */
export type DatabaseSetting = 'url' | 'directUrl' | 'pgliteDir';

export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
  constructor(
    readonly setting: DatabaseSetting,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Node's and postgres.js's codes for a connection that could not be made, in words. */
const CONNECT_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed: DNS did not answer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  CONNECT_TIMEOUT: `no answer within ${CONNECT_TIMEOUT_S} s`,
};

/** Why the first connection to the PostgreSQL server at `url` failed (never its credentials). */
export function postgresOpenError(
  url: string,
  error: unknown,
  setting: 'url' | 'directUrl' = 'url',
): DatabaseOpenError {
  const where = `PostgreSQL at ${serverOf(url)}`;
  const { code, message, severity } = fieldsOf(error);
  let reason: string;
  if (severity && code) {
    // The server's own words: "password authentication failed for user ...", "database ... does
    // not exist", "too many clients already". They never hold the password.
    reason = `${where} refused the connection: ${message} (${code})`;
  } else if (code && CONNECT_FAILURES[code]) {
    reason = `cannot connect to ${where} (${CONNECT_FAILURES[code]})`;
  } else {
    // TLS and everything else: what the driver said, with any URL in it stripped of credentials.
    reason = `cannot connect to ${where} (${withoutCredentials(message)}${code ? `, ${code}` : ''})`;
  }
  return new DatabaseOpenError(setting, reason, { cause: error });
}

/** Why the embedded database in `dir` could not be opened, `doing` what. */
export function pgliteOpenError(dir: string, doing: string, error: unknown): DatabaseOpenError {
  const { code, message } = fieldsOf(error);
  const cause = code ? `${systemMessage(code) ?? message}, ${code}` : message;
  return new DatabaseOpenError('pgliteDir', `cannot ${doing} ${dir} (${cause})`, { cause: error });
}

/**
 * Emscripten's errno numbers (PGlite's file system errors), for the causes worth naming.
 * https://github.com/emscripten-core/emscripten/blob/main/system/lib/libc/musl/arch/emscripten/bits/errno.h
 */
const EMSCRIPTEN_ERRNO: Record<number, string> = {
  2: 'EACCES',
  20: 'EEXIST',
  29: 'EIO',
  31: 'EISDIR',
  44: 'ENOENT',
  51: 'ENOSPC',
  54: 'ENOTDIR',
  63: 'EPERM',
  69: 'EROFS',
};

function fieldsOf(error: unknown): { code?: string; message: string; severity?: string } {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { code, errno, message, severity, name } = error as Record<string, unknown>;
  const text = typeof message === 'string' ? message : String(name ?? error);
  if (typeof code === 'string') {
    return { code, message: text, ...(typeof severity === 'string' ? { severity } : {}) };
  }
  // PGlite's ErrnoError: { name: 'ErrnoError', errno: 69 }, not an Error and no message.
  if (name === 'ErrnoError' && typeof errno === 'number') {
    const named = EMSCRIPTEN_ERRNO[errno];
    return named ? { code: named, message: text } : { message: `file system error ${errno}` };
  }
  return { message: text };
}

/** "read-only file system" for EROFS: the operating system's words for a code. */
export function systemMessage(code: string): string | undefined {
  const errno = (constants.errno as Record<string, number | undefined>)[code];
  return errno === undefined ? undefined : getSystemErrorMap().get(-errno)?.[1];
}

/**
 * host:port of the server a URL names, without user or password. Taken from the text rather than
 * parsed: postgres.js also takes URLs WHATWG does not (several hosts, `?host=/socket/dir`).
 */
export function serverOf(url: string): string {
  const authority = /^[a-z]+:\/\/(?:[^/?#]*@)?([^/?#]*)/i.exec(url)?.[1] ?? '';
  const query = url.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : null;
  const hosts = authority || query?.get('host') || 'localhost';
  return /:\d+$/.test(hosts) || hosts.includes(',') || hosts.startsWith('/')
    ? hosts
    : `${hosts}:5432`;
}

function withoutCredentials(text: string): string {
  return text.replace(/(\/\/)[^/\s]*@/g, '$1');
}
