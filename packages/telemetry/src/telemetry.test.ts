import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { type ErrorContext, reportError, setErrorReporter } from './errors';
import { inChildSpan, insideTrace, tracer } from './spans';
import { recordSpans, type SpanRecorder } from './testing';

let recorder: SpanRecorder | undefined;
afterEach(async () => {
  setErrorReporter(undefined);
  await recorder?.stop();
  recorder = undefined;
});

describe('without an SDK (tracing off)', () => {
  it('hands out the no-op tracer and keeps no context: nothing is recorded', async () => {
    expect(tracer().startSpan('x').isRecording()).toBe(false);
    const seen = await tracer().startActiveSpan('outer', async (span) => {
      span.end();
      return {
        inside: insideTrace(),
        active: trace.getActiveSpan(),
        root: context.active() === ROOT_CONTEXT,
      };
    });
    expect(seen).toEqual({ inside: false, active: undefined, root: true });
    expect(await inChildSpan('child', {}, async (span) => span)).toBeUndefined();
  });
});

describe('inChildSpan', () => {
  it('makes a child of the active span, and nothing outside one', async () => {
    recorder = recordSpans();
    await inChildSpan('lonely', {}, async () => {});
    await tracer().startActiveSpan('parent', async (parent) => {
      await inChildSpan('child', { attributes: { answer: 42 } }, async () => {});
      parent.end();
    });
    const names = recorder.spans().map((span) => span.name);
    expect(names).toEqual(['child', 'parent']);
    const [child, parent] = recorder.spans();
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(child?.attributes).toEqual({ answer: 42 });
  });

  it('records what the work throws, and throws it on', async () => {
    recorder = recordSpans();
    await tracer().startActiveSpan('parent', async (parent) => {
      await expect(
        inChildSpan('failing', {}, async () => {
          throw new TypeError('broken');
        }),
      ).rejects.toThrow('broken');
      parent.end();
    });
    const failing = recorder.spans().find((span) => span.name === 'failing');
    expect(failing?.status).toEqual({ code: 2, message: 'broken' });
    expect(failing?.attributes['error.type']).toBe('TypeError');
    expect(failing?.events.map((event) => event.name)).toEqual(['exception']);
  });
});

describe('reportError', () => {
  it('hands the error to the connected reporter, with the trace id when traced', async () => {
    recorder = recordSpans();
    const reported: [unknown, ErrorContext][] = [];
    setErrorReporter((error, where) => {
      reported.push([error, where]);
    });
    const error = new Error('unexpected');
    const traceId = await tracer().startActiveSpan('request', async (span) => {
      await reportError(error, { surface: 'trpc', requestId: 'req-1', path: 'article.create' });
      span.end();
      return span.spanContext().traceId;
    });
    expect(reported).toEqual([
      [error, { surface: 'trpc', requestId: 'req-1', path: 'article.create', traceId }],
    ]);
    const [request] = recorder.spans();
    expect(request?.status.code).toBe(2);
    expect(request?.events[0]?.attributes?.['exception.message']).toBe('unexpected');
  });

  it('never fails its caller: a reporter that throws is told about, once', async () => {
    const failures: unknown[] = [];
    setErrorReporter(
      async () => {
        throw new Error('tracker down');
      },
      (failure) => failures.push(failure),
    );
    await expect(reportError(new Error('x'), { surface: 'process' })).resolves.toBeUndefined();
    expect(failures).toEqual([new Error('tracker down')]);
  });

  it('does nothing without a reporter', async () => {
    await expect(reportError(new Error('x'), { surface: 'http' })).resolves.toBeUndefined();
  });
});
