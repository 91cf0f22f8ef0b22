// The one place that turns failures under /api into RealWorld answers: a status and
// `{"errors":{"body":[...]}}`, one message per problem, never a stack, SQL or internal message.
import { InvalidFieldsError, RateLimitedError, SecondFactorRequiredError } from '@conduit/api';
import { reportError } from '@conduit/telemetry';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { ErrorBody } from '../plugins/errors';
import { routeOf } from '../telemetry/request-span';

export interface RealWorldErrors {
  errors: { body: string[] };
}

export function realWorldErrors(messages: string[]): RealWorldErrors {
  return { errors: { body: messages } };
}

/** What a failed request answers: the status, the messages and, for throttling, when to retry. */
export interface RestFailure {
  status: number;
  messages: string[];
  retryAfterSeconds?: number;
  /** Fields beside `errors` (a pending sign-in's `secondFactor`). */
  extra?: Record<string, unknown>;
}

const INTERNAL: RestFailure = { status: 500, messages: ['Internal server error'] };

/**
 * Status by cause, in the RealWorld spec's terms: it answers 422 for every invalid request
 * (malformed JSON, a field out of bounds, an email already taken), 401 without a valid token,
 * 403 for a right the viewer lacks and 404 for what does not exist.
 */
export function failureOf(error: unknown): RestFailure {
  if (error instanceof TRPCError) return procedureFailure(error);
  if (!(error instanceof Error)) return INTERNAL;
  const { validation, validationContext, statusCode } = error as FastifyErrorLike;
  if (validation && validation.length > 0) {
    return {
      status: 422,
      messages: validation.map((problem) => requestProblem(problem, validationContext)),
    };
  }
  const status =
    statusCode !== undefined && statusCode >= 400 && statusCode < 600 ? statusCode : 500;
  if (status >= 500) return INTERNAL;
  // Fastify's own 4xx messages describe the request (bad JSON, body too large), not our internals.
  return { status: status === 400 ? 422 : status, messages: [error.message] };
}

function procedureFailure(error: TRPCError): RestFailure {
  const { cause } = error;
  if (cause instanceof ZodError) {
    return { status: 422, messages: cause.issues.map((issue) => describeIssue(issue.path, issue)) };
  }
  // A taken email or username (CONFLICT) and a wrong current password (BAD_REQUEST) alike: the
  // request names a value that cannot be accepted, which RealWorld answers with 422.
  if (cause instanceof InvalidFieldsError) {
    return {
      status: 422,
      messages: Object.entries(cause.fields).flatMap(([field, messages]) =>
        messages.map((message) => describe(field, message)),
      ),
    };
  }
  if (cause instanceof RateLimitedError) {
    return {
      status: 429,
      messages: [cause.message],
      retryAfterSeconds: Math.max(1, Math.ceil(cause.retryAfterMs / 1000)),
    };
  }
  // The right password for an account with two-factor on: no user yet, but how to finish.
  if (cause instanceof SecondFactorRequiredError) {
    return {
      status: 401,
      messages: ['code is required: this account uses two-factor authentication'],
      extra: { secondFactor: { required: true, ...cause.pending } },
    };
  }
  if (error.code === 'INTERNAL_SERVER_ERROR') return INTERNAL;
  const status = getHTTPStatusCodeFromError(error);
  return { status: status === 400 ? 422 : status, messages: [error.message] };
}

interface FastifyErrorLike {
  statusCode?: number;
  validation?: { instancePath: string; message?: string; keyword: string; params: object }[];
  validationContext?: string;
}

type Problem = NonNullable<FastifyErrorLike['validation']>[number];

/**
 * A schema failure found before the procedure ran (body, path or query). In a body, the first
 * segment is RealWorld's envelope (`user`, `article`), so `/user/email` is reported as `email`.
 */
function requestProblem(problem: Problem, context: string | undefined): string {
  const path = problem.instancePath
    .split('/')
    .slice(1)
    .filter((segment) => segment !== '')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const field = context === 'body' && path.length > 1 ? path.slice(1) : path;
  const expected = (problem.params as { expected?: unknown }).expected;
  return describeIssue(field, {
    code: problem.keyword,
    message: problem.message ?? 'is invalid',
    expected,
  });
}

function describeIssue(
  path: readonly PropertyKey[],
  issue: { code: string; message: string; expected?: unknown },
): string {
  const field = path.length === 0 ? 'body' : path.map(String).join('.');
  if (issue.code === 'invalid_type') {
    // zod's default wording ("Invalid input: expected string, received undefined"), said plainly;
    // Fastify validates a missing body as null.
    const missing = path.length === 0 ? /received (undefined|null)$/ : /received undefined$/;
    if (missing.test(issue.message)) return `${field} is required`;
    if (typeof issue.expected === 'string') {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      return `${field} must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
    }
  }
  return describe(field, issue.message);
}

/** Our schemas word their messages to follow the field's name: "email must be a valid email address". */
function describe(field: string, message: string): string {
  return /^[a-z]/.test(message) ? `${field} ${message}` : `${field}: ${message}`;
}

export function sendFailure(reply: FastifyReply, failure: RestFailure): FastifyReply {
  if (failure.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(failure.retryAfterSeconds));
  }
  return reply
    .status(failure.status)
    .send({ ...realWorldErrors(failure.messages), ...failure.extra });
}

function isAppErrorBody(payload: unknown): payload is ErrorBody {
  if (typeof payload !== 'object' || payload === null || !('error' in payload)) return false;
  const { error } = payload as { error: unknown };
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/**
 * Installs the mapping on the /api scope: thrown errors, unknown routes, and the answers that
 * app-wide hooks (rate limit, CSRF) give in the app's own error format before a route runs.
 */
export function useRealWorldErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const failure = failureOf(error);
    if (failure.status >= 500) {
      request.log.error({ err: error }, 'REST request failed');
      void reportError(error, { surface: 'rest', requestId: request.id, path: routeOf(request) });
    }
    return sendFailure(reply, failure);
  });

  app.setNotFoundHandler((request, reply) =>
    sendFailure(reply, {
      status: 404,
      messages: [`No route for ${request.method} ${request.url.split('?')[0]}`],
    }),
  );

  app.addHook('preSerialization', async (_request, _reply, payload: unknown) =>
    isAppErrorBody(payload) ? realWorldErrors([payload.error.message]) : payload,
  );
}
