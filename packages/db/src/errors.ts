// Recognising constraint violations, whichever driver raised them.

interface PgErrorFields {
  code?: string;
  constraint?: string; // PGlite
  constraint_name?: string; // postgres.js
}

/** The error and its causes, outermost first: Drizzle wraps the driver's error in `cause`. */
function* causeChain(error: unknown, depth = 5): Generator<object> {
  for (let e: unknown = error; e && typeof e === 'object' && depth > 0; depth--) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

function pgFields(error: unknown): PgErrorFields | undefined {
  // The driver's own error carries the fields.
  for (const e of causeChain(error, 4)) {
    const fields = e as PgErrorFields;
    if (typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code)) return fields;
  }
  return undefined;
}

/** The name of the unique constraint or index a failed statement violated, or undefined. */
export function uniqueViolation(error: unknown): string | undefined {
  const fields = pgFields(error);
  if (fields?.code !== '23505') return undefined;
  return fields.constraint ?? fields.constraint_name;
}

/** The name of the foreign key a failed statement violated, or undefined. */
export function foreignKeyViolation(error: unknown): string | undefined {
  const fields = pgFields(error);
  if (fields?.code !== '23503') return undefined;
  return fields.constraint ?? fields.constraint_name;
}

/** postgres.js and Node's codes for a connection that could not be made or was lost. */
const LOST_CONNECTION = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
]);

/**
 * Whether a statement failed because the database could not be reached (down, restarting, the
 * network gone) rather than because of what it asked: worth a 503 and a retry, not a 500.
 * SQLSTATE class 08 is a connection exception; 57P01–57P03 are a server shutting down or starting.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const e of causeChain(error)) {
    const { code } = e as { code?: unknown };
    if (typeof code !== 'string') continue;
    if (LOST_CONNECTION.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code))
      return true;
  }
  return false;
}

/**
 * Whether a statement failed on a value it was given (SQLSTATE class 22, data exception: text the
 * encoding cannot carry (22021, 22P05), a number out of range (22003), a malformed literal
 * (22P02)...): the request's fault, worth a 4xx. Inputs are validated before they reach SQL; this
 * is the last line of defence for a value that slipped past.
 */
export function isDataException(error: unknown): boolean {
  return pgFields(error)?.code?.startsWith('22') === true;
}
