// The one place that turns failures under /api into RealWorld answers: a status and
// `{"errors":{"body":[...]}}`, one message per problem, never a stack, SQL or internal message.
import { classifyFailure, type Failure, type Issue } from '@conduit/api';
import { reportError } from '@conduit/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/** The REST renderer of failures (see @conduit/api's failures.ts). */
export function failureOf(error: unknown): RestFailure {
  return restFailure(classifyFailure(error));
}

/**
 * Status by kind, in the RealWorld spec's terms: it answers 422 for every invalid request
 * (malformed JSON, a field out of bounds, an email already taken), 401 without a valid token,
 * 403 for a right the viewer lacks and 404 for what does not exist.
 */
function restFailure(failure: Failure): RestFailure {
  switch (failure.kind) {
    case 'internal':
      return INTERNAL;
    case 'validation':
      return {
        status: 422,
        messages: failure.issues.map((issue) => describeIssue(issue, failure.part)),
      };
    case 'conflict':
      // A taken email or username: the request names a value that cannot be accepted.
      if (failure.issues) {
        return { status: 422, messages: failure.issues.map((issue) => describeIssue(issue)) };
      }
      break;
    case 'rate_limited':
    case 'unavailable':
      if (failure.retryAfterSeconds !== undefined) {
        const { status, message, retryAfterSeconds } = failure;
        return { status, messages: [message], retryAfterSeconds };
      }
      break;
    case 'unauthenticated':
      // The right password for an account with two-factor on: no user yet, but how to finish.
      if (failure.secondFactor) {
        return {
          status: 401,
          messages: ['code is required: this account uses two-factor authentication'],
          extra: { secondFactor: { required: true, ...failure.secondFactor } },
        };
      }
      break;
  }
  return { status: failure.status === 400 ? 422 : failure.status, messages: [failure.message] };
}

/**
 * One message per problem. In a request body the first segment of a path is RealWorld's
 * envelope (`user`, `article`), so `/user/email` is reported as `email`.
 */
function describeIssue(issue: Issue, part?: string): string {
  const { path } = issue;
  const inEnvelope = part === 'body' && path.length > 1;
  const field = inEnvelope ? path.slice(1) : path;
  const name = field.length === 0 ? 'body' : field.map(String).join('.');
  if (issue.code === 'invalid_type') {
    // zod's default wording ("Invalid input: expected string, received undefined"), said plainly;
    // Fastify validates a missing body as null.
    const missing = field.length === 0 ? /received (undefined|null)$/ : /received undefined$/;
    if (missing.test(issue.message)) return `${name} is required`;
    if (typeof issue.expected === 'string') {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      return `${name} must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
    }
  }
  return describe(name, issue.message);
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

/**
 * Installs the rendering on the /api scope: thrown errors, the refusals of app-wide hooks (rate
 * limit, CSRF) among them, and unknown routes.
 */
export function useRealWorldErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const failure = failureOf(error);
    // Where unexpected failures under /api are rendered: logged with all they say, answered without.
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
}
