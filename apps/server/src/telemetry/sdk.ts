// Traces over OTLP/HTTP when configured (decision 026). main.ts starts this before it imports the
// app: the HTTP instrumentation patches Node's http module as Fastify loads it. Unconfigured,
// none of it is loaded: the OpenTelemetry API then hands out its no-op tracer and keeps no
// context, and the code's own spans (@conduit/telemetry) cost a check each.

import { ATTR_REQUEST_ID } from '@conduit/telemetry';
import { type Context, trace } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { TracingSettings } from '../config';

export interface Tracing {
  /** Sends what is still buffered and stops; the process may exit after. */
  shutdown(): Promise<void>;
}

/** Polled by load balancers and Prometheus: a trace each would drown the requests worth reading. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  // Imported here, not at the top: a bundle (dist/main.js) loads them only when tracing is on.
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    resources,
    instr,
    http,
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-http'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ 'service.name': settings.serviceName })),
    spanProcessors: [
      new RequestIdProcessor(),
      // JSON over HTTP; batched, sent every 5 s and when the server stops.
      new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl })),
    ],
  });
  // The global tracer provider, the AsyncLocalStorage context manager and W3C trace context:
  // a request carrying `traceparent` continues its caller's trace.
  provider.register();
  const unregister = instr.registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new http.HttpInstrumentation({
        ignoreIncomingRequestHook: (request) =>
          UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
        // The server calls no HTTP services; the exporter's own requests are never traced.
        requireParentforOutgoingSpans: true,
      }),
    ],
  });
  return {
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}

/**
 * Copies the request id from a span's parent onto it as it starts, so every span of a request
 * carries it: the HTTP span gets it first (request-span.ts), each child from its parent.
 */
class RequestIdProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const parent = trace.getSpan(parentContext) as Partial<ReadableSpan> | undefined;
    const requestId = parent?.attributes?.[ATTR_REQUEST_ID];
    if (requestId !== undefined) span.setAttribute(ATTR_REQUEST_ID, requestId);
  }
  onEnd(): void {}
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
