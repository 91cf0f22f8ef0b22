// Spans for the packages below the server (db, api), written against the OpenTelemetry API only.
// The server decides whether anything is recorded (apps/server/src/telemetry): until it starts an
// SDK the API hands out its no-op tracer, no context is kept, and every helper here only runs the
// work it wraps.
import {
  type Attributes,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

export { type Attributes, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';

/** The request id (Fastify's, as in the logs' `reqId`) on every span of a request. */
export const ATTR_REQUEST_ID = 'conduit.request.id';

/** Every span Conduit's own code makes comes from this tracer. */
export function tracer(): Tracer {
  return trace.getTracer('conduit');
}

/**
 * Whether a span is being recorded here, i.e. this code runs inside a traced request. Statements,
 * cache lookups and Redis commands make spans only then: the mail outbox polling the database
 * every few seconds, or a health check, would otherwise fill the trace store with lone spans.
 */
export function insideTrace(): boolean {
  return trace.getActiveSpan()?.isRecording() ?? false;
}

export interface ChildSpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
}

/**
 * Runs `work` in a span named `name`, active while it runs (what it starts are its children), when
 * inside a traced request; otherwise just runs it. A thrown error is recorded on the span.
 */
export async function inChildSpan<T>(
  name: string,
  options: ChildSpanOptions,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!insideTrace()) return work(undefined);
  return tracer().startActiveSpan(name, options, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks the span failed by `error`: its status, `error.type`, and the exception as an event. */
export function recordFailure(span: Span, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setAttribute(ATTR_ERROR_TYPE, failure.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
}
