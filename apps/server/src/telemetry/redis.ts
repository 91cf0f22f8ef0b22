// A span per Redis command (cache, rate limits) inside traced requests. The process has one Redis
// client (app.ts), so its sendCommand, which every command goes through, is wrapped here rather
// than ioredis patched for the whole process: OpenTelemetry's ioredis instrumentation needs an
// ES module loader hook to see an ES module import it (decision 026). Keys and values are not
// recorded: cache keys name sessions.
import { insideTrace, SpanKind, SpanStatusCode, tracer } from '@conduit/telemetry';
import type { Redis } from 'ioredis';

export function traceRedisCommands(redis: Redis): void {
  const send = redis.sendCommand.bind(redis);
  const { host, port, db } = redis.options;
  redis.sendCommand = (command, stream) => {
    if (insideTrace()) {
      const operation = command.name.toUpperCase();
      const span = tracer().startSpan(`redis ${operation}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'redis',
          'db.operation.name': operation,
          'db.namespace': String(db ?? 0),
          ...(host ? { 'server.address': host } : {}),
          ...(port ? { 'server.port': port } : {}),
        },
      });
      command.promise.then(
        () => span.end(),
        (error: unknown) => {
          span.setAttribute('error.type', error instanceof Error ? error.name : 'error');
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      );
    }
    return send(command, stream);
  };
}
