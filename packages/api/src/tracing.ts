// A span per procedure call (`trpc article.create`), from the first middleware of every procedure
// (trpc.ts): calls of one batch are siblings under their HTTP request's span; REST routes, which
// call procedures through a caller, get the same spans. Only inside a traced request.
import { inChildSpan, recordFailure, SpanKind } from '@conduit/telemetry';
import type { TRPCError } from '@trpc/server';

type Outcome = { ok: true } | { ok: false; error: TRPCError };

export function traceProcedure<R extends Outcome>(
  path: string,
  type: string,
  next: () => Promise<R>,
): Promise<R> {
  const attributes = {
    'rpc.system.name': 'trpc',
    'rpc.method': path,
    'trpc.procedure.type': type,
  };
  return inChildSpan(`trpc ${path}`, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    const result = await next();
    // tRPC hands failures to middlewares as results, not throws: `ok` or the error's code.
    span?.setAttribute('trpc.outcome', result.ok ? 'ok' : result.error.code);
    // A refusal (4xx) is the procedure working; only an unexpected failure marks the span failed.
    if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR' && span) {
      recordFailure(span, result.error.cause ?? result.error);
    }
    return result;
  });
}
