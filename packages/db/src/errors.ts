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
