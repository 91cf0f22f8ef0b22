// REST enters at the procedure layer: each request gets a caller whose context is built exactly
// as tRPC builds it (same session token sources, cookie writer, limiter and limits), so REST
// authenticates, throttles and audits like tRPC without a rule written twice.
import { createCaller } from '@conduit/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextForRequest, type SharedContextOptions } from '../context';
import { presentedSessionToken } from '../plugins/session';

/** What every request's context shares, as tRPC's plugin passes it (see context.ts). */
export type ProcedureContextOptions = SharedContextOptions;

export type Procedures = ReturnType<typeof createCaller>;

/** What a route module needs to do its work. */
export interface RestRouteOptions {
  /** The procedures, called as the client of this request. */
  procedures(request: FastifyRequest, reply: FastifyReply): Procedures;
  /** The token this request presented in its Authorization header ('' for the cookie or none). */
  headerToken(request: FastifyRequest): string;
}

export function restRouteOptions(shared: ProcedureContextOptions): RestRouteOptions {
  return {
    procedures(request, reply) {
      // Resolved once per request, however many procedures the route calls.
      let context: ReturnType<typeof contextForRequest> | undefined;
      return createCaller(() => {
        context ??= contextForRequest(request, reply, shared);
        return context;
      });
    },
    headerToken(request) {
      const presented = presentedSessionToken(request, shared.cookie);
      // The cookie is HttpOnly so that scripts never read it: it is not echoed into a body either.
      return presented?.from === 'header' ? presented.value : '';
    },
  };
}
