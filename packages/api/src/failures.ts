/**
 * One classification of failures (decision 029): whatever was thrown, which of a few kinds it is,
 * with its HTTP status and the message the outside may see. Two renderers say a failure in their
 * surface's terms: tRPC's (the error formatter in trpc.ts; the server's own JSON errors use its
 * code names) and REST's (apps/server/src/rest/errors.ts). They look at the failure, not at what
 * was thrown.
 */
import { AccountGoneError } from '@conduit/auth';
import { isDatabaseUnavailable, isDataException } from '@conduit/db';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';
import {
  type FieldErrors,
  InvalidFieldsError,
  type PendingSecondFactor,
  RateLimitedError,
  RequestRefusedError,
  SecondFactorRequiredError,
} from './errors';

/** One problem with one value of the input, as a schema (zod, or the HTTP layer's JSON schema) says it. */
export interface Issue {
  /** Where the value is; empty for the input as a whole. */
  path: readonly PropertyKey[];
  /** The schema's name for the rule broken (`invalid_type`, `too_small`, `minLength`, ...). */
  code: string;
  message: string;
  /** The type expected, for a value of the wrong type. */
  expected?: unknown;
}

export const INTERNAL_MESSAGE = 'Internal server error';

export type Failure =
  /** Input that breaks its schema, or values well-formed but not acceptable (a wrong password). */
  | {
      kind: 'validation';
      status: 400;
      message: string;
      issues: Issue[];
      /** Which part of an HTTP request its schema checked (`body`, `querystring`, ...), if known. */
      part?: string | undefined;
    }
  /** A value that clashes with existing data; `issues` name the fields when known (a taken email). */
  | { kind: 'conflict'; status: 409; message: string; issues?: Issue[] }
  /** No valid session; `secondFactor` when the password was right but a second factor is due. */
  | { kind: 'unauthenticated'; status: 401; message: string; secondFactor?: PendingSecondFactor }
  | { kind: 'rate_limited'; status: 429; message: string; retryAfterSeconds?: number | undefined }
  | { kind: 'unavailable'; status: 503; message: string; retryAfterSeconds?: number | undefined }
  /** The rest of the refusals, each in its own words; `other` is any status not named here. */
  | {
      kind: 'bad_request' | 'forbidden' | 'not_found' | 'payload_too_large' | 'other';
      status: number;
      message: string;
    }
  /** A bug or an outage nobody expected: a 5xx whose message never says what went wrong. */
  | { kind: 'internal'; status: number; message: typeof INTERNAL_MESSAGE };

export type FailureKind = Failure['kind'];

/** Which kind of failure any thrown value is. */
export function classifyFailure(error: unknown): Failure {
  if (error instanceof TRPCError) {
    return failureOfCause(error.cause, error) ?? byStatus(getHTTPStatusCodeFromError(error), error);
  }
  if (!(error instanceof Error))
    return { kind: 'internal', status: 500, message: INTERNAL_MESSAGE };
  // Thrown as such, only the HTTP layer's refusals are expected; a stray ZodError is a bug (500).
  const refusal = error instanceof RateLimitedError || error instanceof RequestRefusedError;
  return (refusal ? failureOfCause(error, error) : undefined) ?? httpFailure(error);
}

/** Failures the domain throws with more to say than a message: thrown as such or as a TRPCError's cause. */
function failureOfCause(cause: unknown, error: Error): Failure | undefined {
  const { message } = error;
  if (cause instanceof ZodError) {
    const issues = cause.issues.map(
      (issue): Issue => ({
        path: issue.path,
        code: issue.code,
        message: issue.message,
        expected: 'expected' in issue ? issue.expected : undefined,
      }),
    );
    const described = describeFieldErrors(fieldErrorsOf(issues));
    return { kind: 'validation', status: 400, message: `Invalid input: ${described}`, issues };
  }
  if (cause instanceof InvalidFieldsError) {
    const issues = Object.entries(cause.fields).flatMap(([field, messages]) =>
      messages.map((text): Issue => ({ path: [field], code: 'custom', message: text })),
    );
    const conflict = error instanceof TRPCError && error.code === 'CONFLICT';
    if (conflict) return { kind: 'conflict', status: 409, message, issues };
    return { kind: 'validation', status: 400, message, issues };
  }
  if (cause instanceof RateLimitedError) {
    return {
      kind: 'rate_limited',
      status: 429,
      message,
      retryAfterSeconds: cause.retryAfterSeconds,
    };
  }
  if (cause instanceof SecondFactorRequiredError) {
    return { kind: 'unauthenticated', status: 401, message, secondFactor: cause.pending };
  }
  if (cause instanceof RequestRefusedError) {
    if (cause.kind === 'forbidden') return { kind: 'forbidden', status: 403, message };
    return {
      kind: 'unavailable',
      status: 503,
      message,
      retryAfterSeconds: cause.retryAfterSeconds,
    };
  }
  return undefined;
}

/** What an HTTP layer throws (a body too large, malformed JSON, a schema failure): status and all. */
function httpFailure(error: Error): Failure {
  const { validation, validationContext, statusCode } = error as HttpErrorLike;
  if (validation && validation.length > 0) {
    return {
      kind: 'validation',
      status: 400,
      message: error.message,
      issues: validation.map(issueOfSchemaProblem),
      part: validationContext,
    };
  }
  const status =
    statusCode !== undefined && statusCode >= 400 && statusCode < 600 ? statusCode : 500;
  if (status >= 500) return { kind: 'internal', status, message: INTERNAL_MESSAGE };
  // The HTTP layer's own 4xx messages describe the request (bad JSON, body too large), not our internals.
  return byStatus(status, error);
}

function byStatus(status: number, error: Error): Failure {
  const { message } = error;
  switch (status) {
    case 400:
      return { kind: 'bad_request', status, message };
    case 401:
      return { kind: 'unauthenticated', status, message };
    case 403:
      return { kind: 'forbidden', status, message };
    case 404:
      return { kind: 'not_found', status, message };
    case 409:
      return { kind: 'conflict', status, message };
    case 413:
      return { kind: 'payload_too_large', status, message };
    case 429:
      return { kind: 'rate_limited', status, message };
    case 503:
      return { kind: 'unavailable', status, message };
    case 500:
      return { kind: 'internal', status, message: INTERNAL_MESSAGE };
    default:
      return { kind: 'other', status, message };
  }
}

/** An error as HTTP layers shape them: Fastify's, with Ajv's schema problems when validation failed. */
interface HttpErrorLike {
  statusCode?: number;
  validation?: SchemaProblem[];
  validationContext?: string;
}

interface SchemaProblem {
  instancePath: string;
  message?: string;
  keyword: string;
  params: object;
}

function issueOfSchemaProblem(problem: SchemaProblem): Issue {
  const path = problem.instancePath
    .split('/')
    .slice(1)
    .filter((segment) => segment !== '')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  return {
    path,
    code: problem.keyword,
    message: problem.message ?? 'is invalid',
    expected: (problem.params as { expected?: unknown }).expected,
  };
}

/** Messages by field, as tRPC's `data.fieldErrors` gives them (the input as a whole is `input`). */
export function fieldErrorsOf(issues: readonly Issue[]): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.join('.') || 'input';
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  return fields;
}

function describeFieldErrors(fields: FieldErrors): string {
  return Object.entries(fields)
    .map(([field, messages]) => `${field}: ${messages.join(', ')}`)
    .join('; ');
}

// What the database has to say about a procedure's failure -----------------------------------

const DATABASE_UNAVAILABLE = 'The database is unavailable: try again shortly';

/**
 * A statement that failed because the database is out of reach (restarting, network gone) is a
 * 503, which clients and load balancers retry, not a 500; one on a value PostgreSQL refused (a
 * data exception) a 400, as the schemas would have said; a write that met the caller's account
 * gone a 401 (decision 021). Procedures and the context turn these causes into TRPCErrors.
 */
export function databaseFailureOf(cause: unknown): Failure | undefined {
  if (isDatabaseUnavailable(cause)) {
    return { kind: 'unavailable', status: 503, message: DATABASE_UNAVAILABLE };
  }
  if (cause instanceof AccountGoneError) return accountGone;
  if (isDataException(cause)) {
    return {
      kind: 'bad_request',
      status: 400,
      message: 'The input holds a value the database cannot store or compare',
    };
  }
  return undefined;
}

export const accountGone: Failure = {
  kind: 'unauthenticated',
  status: 401,
  message: 'Your account no longer exists',
};

const trpcCodes = {
  unavailable: 'SERVICE_UNAVAILABLE',
  unauthenticated: 'UNAUTHORIZED',
  bad_request: 'BAD_REQUEST',
} as const satisfies Partial<Record<FailureKind, TRPCError['code']>>;

/** The TRPCError a failure of the database is thrown as; other failures as they were. */
export function asTRPCError(failure: Failure | undefined, cause: unknown): unknown {
  if (!failure || !(failure.kind in trpcCodes)) return cause;
  const code = trpcCodes[failure.kind as keyof typeof trpcCodes];
  return new TRPCError({ code, message: failure.message, cause });
}

/** A session lookup whose database is out of reach: 503, not 500. */
export function asUnavailable(error: unknown): unknown {
  return isDatabaseUnavailable(error) ? asTRPCError(databaseFailureOf(error), error) : error;
}
