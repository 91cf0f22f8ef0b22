// Failures outside tRPC's procedures and REST as the app's own JSON: never a stack or SQL.
import { classifyFailure, type Failure, RateLimitedError, RequestRefusedError } from '@conduit/api';
import { reportError } from '@conduit/telemetry';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { routeOf } from '../telemetry/request-span';

export interface ErrorBody {
  error: { code: string; message: string };
}

const codeByStatus: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

export function errorBody(status: number, message: string): ErrorBody {
  return {
    error: {
      code: codeByStatus[status] ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR'),
      message,
    },
  };
}

export interface ErrorsOptions {
  /**
   * Offered every request no route matched, before the JSON 404: answers it and returns true when
   * it is a browser asking for a page of the web app, whose routes live in the browser.
   */
  pages?: (request: FastifyRequest, reply: FastifyReply) => boolean;
}

const plugin: FastifyPluginAsync<ErrorsOptions> = async (app, { pages }) => {
  app.setNotFoundHandler((request, reply) => {
    if (pages?.(request, reply)) return;
    reply
      .status(404)
      .send(errorBody(404, `No route for ${request.method} ${request.url.split('?')[0]}`));
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = classifyFailure(error);
    // Where unexpected failures are rendered: logged with all they say, answered without.
    if (failure.kind === 'internal') {
      request.log.error({ err: error }, 'request failed');
      void reportError(error, { surface: 'http', requestId: request.id, path: routeOf(request) });
      sendAppFailure(reply, failure);
      return;
    }
    // Fastify's own 4xx messages (bad JSON, body too large, ...) describe the request, not our
    // internals; our hooks' refusals (rate limit, CSRF) log for themselves, if at all.
    if (!isRefusal(error)) {
      request.log.info({ code: error.code, status: failure.status }, error.message);
    }
    sendAppFailure(reply, failure);
  });
};

/**
 * A failure outside tRPC's procedures and /api, as the app's own JSON in tRPC's code names (see
 * @conduit/api's failures.ts), with Retry-After when the failure says when to come back.
 */
export function sendAppFailure(reply: FastifyReply, failure: Failure): FastifyReply {
  const retryAfter = 'retryAfterSeconds' in failure ? failure.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.status(failure.status).send(errorBody(failure.status, failure.message));
}

export const errorsPlugin = fp(plugin, { name: 'errors' });

function isRefusal(error: unknown): boolean {
  return error instanceof RateLimitedError || error instanceof RequestRefusedError;
}
