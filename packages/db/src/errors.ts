// Recognising constraint violations, whichever driver raised them.

interface PgErrorFields {
  code?: string;
  constraint?: string; // PGlite
  constraint_name?: string; // postgres.js
}

function pgFields(error: unknown): PgErrorFields | undefined {
  // Drizzle wraps the driver's error in `cause`; the driver's own error carries the fields.
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const fields = e as PgErrorFields & { cause?: unknown };
    if (typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code)) return fields;
    e = fields.cause;
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
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') {
      if (LOST_CONNECTION.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code))
        return true;
    }
    e = cause;
  }
  return false;
}
