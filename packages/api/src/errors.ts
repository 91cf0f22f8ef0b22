// Domain failures that carry more than a message. They travel as the `cause` of a TRPCError;
// failures.ts classifies them and each surface's renderer says what they carry.
import { TRPCError } from '@trpc/server';

/** Per-field messages, keyed by the field's name (dotted for nested fields). */
export type FieldErrors = Record<string, string[]>;

export class InvalidFieldsError extends Error {
  override name = 'InvalidFieldsError';
  constructor(readonly fields: FieldErrors) {
    super(
      Object.entries(fields)
        .map(([field, messages]) => `${field}: ${messages.join(', ')}`)
        .join('; '),
    );
  }
}

/** Too many of something (`attempts` at signing in, `requests` from one client) for now. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  readonly retryAfterSeconds: number;
  constructor(
    readonly retryAfterMs: number,
    what = 'attempts',
  ) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(`Too many ${what}, retry in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * A request the server refuses before any route runs: a cross-origin write (CSRF), a stream asked
 * for while the server stops. Thrown by the server's hooks; each surface renders it (failures.ts).
 */
export class RequestRefusedError extends Error {
  override name = 'RequestRefusedError';
  constructor(
    readonly kind: 'forbidden' | 'unavailable',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A 409 naming the fields that clash with existing data (a taken email or username). */
export function conflict(fields: FieldErrors): TRPCError {
  const cause = new InvalidFieldsError(fields);
  return new TRPCError({ code: 'CONFLICT', message: cause.message, cause });
}

/** A 400 naming fields whose values are well-formed but not acceptable (a wrong current password). */
export function invalidFields(fields: FieldErrors): TRPCError {
  const cause = new InvalidFieldsError(fields);
  return new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
}

export function tooManyRequests(retryAfterMs: number): TRPCError {
  const cause = new RateLimitedError(retryAfterMs);
  return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message, cause });
}

/** What a sign-in with the right password but no second factor yet is given to finish with. */
export interface PendingSecondFactor {
  /** Single use, short-lived; presented with a code to `auth.loginSecondFactor`. */
  token: string;
  expiresAt: string;
}

/**
 * The password was right, but the account has a second factor: no session yet. Thrown (not
 * returned) so a client that knows nothing of second factors fails closed and keeps its types;
 * the error formatter passes `pending` on as `data.secondFactor`.
 */
export class SecondFactorRequiredError extends Error {
  override name = 'SecondFactorRequiredError';
  constructor(readonly pending: PendingSecondFactor) {
    super('Enter the code from your authenticator app (or a recovery code) to finish signing in');
  }
}

export function secondFactorRequired(pending: PendingSecondFactor): TRPCError {
  const cause = new SecondFactorRequiredError(pending);
  return new TRPCError({ code: 'UNAUTHORIZED', message: cause.message, cause });
}
