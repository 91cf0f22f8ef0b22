// REST enters at the procedure layer: each request gets a caller whose context is built exactly
// as tRPC builds it (same session token sources, cookie writer, limiter and limits), so REST
// authenticates, throttles and audits like tRPC without a rule written twice.
import { type CreateContextOptions, createCaller, createTRPCContext } from '@conduit/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  presentedSessionToken,
  type SessionCookieSettings,
  sessionCookieWriter,
} from '../plugins/session';

/**
 * What every request's context shares (database, limiter, limits, ...), as tRPC's plugin passes
 * it; the per-request parts (meta, session token, cookie writer) are filled in here.
 */
export type ProcedureContextOptions = Omit<
  CreateContextOptions,
  'meta' | 'sessionToken' | 'sessionCookie' | 'exposeErrors'
> & { cookie: SessionCookieSettings };

export type Procedures = ReturnType<typeof createCaller>;

/** What a route module needs to do its work. */
export interface RestRouteOptions {
  /** The procedures, called as the client of this request. */
  procedures(request: FastifyRequest, reply: FastifyReply): Procedures;
  /** The token this request presented in its Authorization header ('' for the cookie or none). */
  headerToken(request: FastifyRequest): string;
}

export function restRouteOptions({ cookie, ...shared }: ProcedureContextOptions): RestRouteOptions {
  return {
    procedures(request, reply) {
      // Resolved once per request, however many procedures the route calls.
      let context: ReturnType<typeof createTRPCContext> | undefined;
      return createCaller(() => {
        context ??= createTRPCContext({
          ...shared,
          meta: { requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] },
          sessionToken: presentedSessionToken(request, cookie),
          sessionCookie: sessionCookieWriter(reply, cookie),
        });
        return context;
      });
    },
    headerToken(request) {
      const presented = presentedSessionToken(request, cookie);
      // The cookie is HttpOnly so that scripts never read it: it is not echoed into a body either.
      return presented?.from === 'header' ? presented.value : '';
    },
  };
}
