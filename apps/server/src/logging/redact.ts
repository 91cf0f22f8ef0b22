// What never reaches a log line: credentials, wherever a request carried them. Headers (the
// Authorization header, cookies) and body fields are censored in the finished line
// (censor-line.ts); URLs are censored here, since a client may put a token or a password in the
// query string (refused, but its URL was logged whole before).

export const CENSOR = '[redacted]';

/**
 * Query parameter names that carry secrets: tokens of every kind (`token`, `access_token`,
 * `id_token`...), passwords, secrets, keys, signatures, one-time codes, sessions. Matched on the
 * decoded name, case-insensitively, mostly anywhere in it: over-censoring a harmless parameter
 * costs a log reader little, a leaked token costs an account. (Short words are whole names only:
 * `author`, a list filter, is not `auth`.)
 */
const SECRET_WORDS = [
  'token',
  'passw',
  'pwd',
  'secret',
  'api[-_]?key',
  'private[-_]?key',
  'authori[sz]ation',
  'signature',
  'session',
  'cookie',
  'credential',
  'otp',
  'jwt',
  'bearer',
].join('|');
/** Too short to match inside other names: whole names only. */
const SECRET_NAMES = ['key', 'auth', 'sig', 'code'].map((name) => `^${name}$`).join('|');

const SENSITIVE_NAME = new RegExp(`${SECRET_WORDS}|${SECRET_NAMES}`, 'i');

/**
 * A value that is itself JSON naming such a field (tRPC's `input` parameter: a mutation sent as a
 * GET by mistake carries `{"password":...}` in the URL).
 */
const SENSITIVE_KEY_IN_VALUE = new RegExp(`"[^"]*(?:${SECRET_WORDS})[^"]*"\\s*:`, 'i');
/** One of the words anywhere: a linear scan, where the pattern above backtracks at each quote. */
const SECRET_WORD = new RegExp(SECRET_WORDS, 'i');

function decoded(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

/**
 * URLs seen lately that hold nothing to censor (so never a secret): readers ask for the same few
 * again and again, and a tRPC query's URL takes a decode and two scans to clear. Emptied when full.
 */
const clean = new Set<string>();
const CLEAN_MAX = 1024;

/** The URL as it may be logged: the value of every sensitive query parameter censored. */
export function redactUrl(url: string): string {
  if (clean.has(url)) return url;
  const redacted = censorQuery(url);
  if (redacted === url) {
    if (clean.size >= CLEAN_MAX) clean.clear();
    clean.add(url);
  }
  return redacted;
}

function censorQuery(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return url;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      if (SENSITIVE_NAME.test(decoded(name))) return `${name}=${CENSOR}`;
      if (equals === -1) return pair;
      const value = decoded(pair.slice(equals + 1));
      const secret = SECRET_WORD.test(value) && SENSITIVE_KEY_IN_VALUE.test(value);
      return secret ? `${name}=${CENSOR}` : pair;
    })
    .join('&');
  return `${url.slice(0, queryAt)}?${query}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** Fastify's request serializer, with the URL censored. */
export function serializeRequest(request: LoggedRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
