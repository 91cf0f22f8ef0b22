// The one place an HTTP request becomes a procedure context; tRPC and the REST adapter both use it,
// so both read the session, the client's address and the cookie writer the same way.
import { type CreateContextOptions, createTRPCContext } from '@conduit/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cacheFor } from './plugins/answer-cache';
import {
  presentedSessionToken,
  type SessionCookieSettings,
  sessionCookieWriter,
} from './plugins/session';

/** What every request's context shares (database, limiter, limits, ...); the rest is per request. */
export type SharedContextOptions = Omit<
  CreateContextOptions,
  'meta' | 'sessionToken' | 'sessionCookie'
> & { cookie: SessionCookieSettings };

export function contextForRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  { cookie, ...shared }: SharedContextOptions,
) {
  return createTRPCContext({
    ...shared,
    cache: cacheFor(request, shared.cache),
    meta: { requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] },
    sessionToken: presentedSessionToken(request, cookie),
    sessionCookie: sessionCookieWriter(reply, cookie),
  });
}
