// What ties a request's span to Fastify's view of it: its route in the span's name and its request
// id on the span (children inherit it, sdk.ts), and the trace id in the request's log lines.
import { ATTR_REQUEST_ID } from '@conduit/telemetry';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Names the HTTP request's span by its route (`POST /trpc/:path`, never the raw URL) and gives it
 * the request id. Added first, so it runs before any hook that could start a child span.
 */
export function traceRequests(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return;
    span.setAttribute(ATTR_REQUEST_ID, request.id);
    const route = request.routeOptions.url;
    if (route) {
      span.setAttribute('http.route', route);
      span.updateName(`${request.method} ${route}`);
    }
  });
}

/**
 * Log fields of the active span, as OpenTelemetry's log data model names them (pino's mixin).
 * Also once the span has ended: "request completed" is logged after the HTTP span closed.
 */
export function traceFields(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

/** `POST /api/articles/:slug`: the route's pattern, never the raw URL (it may carry a token). */
export function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? '(no route)'}`;
}
