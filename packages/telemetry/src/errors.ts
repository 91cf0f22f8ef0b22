// The error hook: every unexpected failure (a 500 on either surface, a crash outside requests) is
// handed to reportError(), the one place a deployment connects to its error tracker. Nothing is
// connected by default; the server connects the module ERROR_REPORTER names (see README, Errors).
import { trace } from '@opentelemetry/api';
import { recordFailure } from './spans';

/** What is known about where an error happened. */
export interface ErrorContext {
  /** tRPC (`/trpc`), REST (`/api`), another HTTP route, or the process outside any request. */
  surface: 'trpc' | 'rest' | 'http' | 'process';
  /** The request id, as in the logs' `reqId` and the spans' `conduit.request.id`. */
  requestId?: string | undefined;
  /** The procedure (`article.create`) or the route (`POST /api/articles`). */
  path?: string | undefined;
  /** The trace the error belongs to, when traced: a tracker can link to it. */
  traceId?: string | undefined;
  /** For a crash: `uncaughtException` or `unhandledRejection`. */
  origin?: string | undefined;
}

/** A deployment's error tracker: called once per error, its failures never reach the caller. */
export type ErrorReporter = (error: unknown, context: ErrorContext) => void | Promise<void>;

interface Connected {
  reporter: ErrorReporter;
  /** Where a reporter that throws or rejects is told about (the server's logger). */
  onReporterFailure: (failure: unknown) => void;
}

let connected: Connected | undefined;

/** Connects the error tracker (once, at start); undefined disconnects it. */
export function setErrorReporter(
  reporter: ErrorReporter | undefined,
  onReporterFailure: (failure: unknown) => void = () => {},
): void {
  connected = reporter ? { reporter, onReporterFailure } : undefined;
}

/**
 * Reports an unexpected error: recorded on the active span (when traced) and handed to the
 * connected error tracker. Resolves when the tracker has taken it (a crash waits for that before
 * the process exits); never rejects, whatever the tracker does.
 */
export async function reportError(error: unknown, context: ErrorContext): Promise<void> {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) recordFailure(span, error);
  if (!connected) return;
  const { reporter, onReporterFailure } = connected;
  const traceId = span?.isRecording() ? span.spanContext().traceId : undefined;
  try {
    await reporter(error, { ...context, ...(traceId ? { traceId } : {}) });
  } catch (failure) {
    onReporterFailure(failure);
  }
}
