// Traces as an operator's collector receives them: the server as a process, exporting over
// OTLP/HTTP (JSON) to a receiver on loopback, and one signed-in article.create read back as a tree.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { embeddedDatabaseFolder } from './embedded-folder';
import { startServerProcess } from './process';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: OtlpValue }[];
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: OtlpValue }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

/** An OTLP/HTTP receiver: keeps every export request's JSON body. */
async function startReceiver() {
  const exports: OtlpExport[] = [];
  const paths: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      paths.push(request.url ?? '');
      exports.push(JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    paths,
    exports,
    spans: () =>
      exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const attribute = (span: OtlpSpan | undefined, key: string): unknown => {
  const value = span?.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if (value.arrayValue) return value.arrayValue.values.map((v) => v.stringValue);
  return value.stringValue ?? value.intValue ?? value.boolValue;
};

async function listeningUrl(child: ChildProcess, output: () => { stdout: string }) {
  for (let waited = 0; waited < 100_000; waited += 100) {
    const match = output().stdout.match(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
    if (match?.[1]) return match[1];
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not start: ${JSON.stringify(output())}`);
}

const logLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function trpc(url: string, path: string, input: unknown, token?: string) {
  const response = await fetch(`${url}/trpc/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: { data: unknown } };
  return { status: response.status, requestId: response.headers.get('x-request-id'), body };
}

let cleanUp: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanUp.reverse()) await step();
  cleanUp = [];
});

/** The server, with `env(receiver's URL)`, and a receiver listening. */
async function serve(env: (receiverUrl: string) => Record<string, string>) {
  const receiver = await startReceiver();
  const server = startServerProcess({
    PGLITE_DIR: await embeddedDatabaseFolder(),
    PORT: '0',
    REGISTER_MAX_PER_IP: '0',
    ...env(receiver.url),
  });
  cleanUp.push(receiver.close, async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });
  const url = await listeningUrl(server.child, server.output);
  const stop = async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    return logLines(server.output().stdout);
  };
  return { receiver, url, stop };
}

// Each test starts a process through tsx: slow on a busy two-core machine.
describe('traces over OTLP/HTTP', { timeout: 180_000 }, () => {
  it('follow one article.create from the HTTP request through the procedure to its SQL, one trace', async () => {
    const redisUrl = process.env.TEST_REDIS_URL;
    const { receiver, url, stop } = await serve((receiver) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver,
      // The hot-read cache in Redis when there is one to test against, else in process.
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    }));
    const registered = await trpc(url, 'auth.register', {
      email: 'tracer@example.com',
      username: 'tracer',
      password: 'a long enough password',
    });
    const { token } = (registered.body.result?.data ?? {}) as { token: string };
    const secrets = { title: 'Title-7f3a91', body: 'Body-c0ffee-42', tag: 'tag-b4d5e6' };
    const created = await trpc(
      url,
      'article.create',
      {
        title: secrets.title,
        description: 'Description-9e8d7c',
        body: secrets.body,
        tagList: [secrets.tag],
      },
      token,
    );
    expect(created.status).toBe(200);
    // A batch: two procedure calls in one request.
    const batch = await fetch(
      `${url}/trpc/tag.list,article.list?batch=1&input=${encodeURIComponent('{"0":{},"1":{}}')}`,
    );
    expect(batch.status).toBe(200);
    const lines = await stop(); // the spans still buffered are sent as the server stops

    expect(receiver.paths.every((path) => path === '/v1/traces')).toBe(true);
    const resource = receiver.exports[0]?.resourceSpans[0]?.resource;
    expect(resource?.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'conduit' },
    });

    const spans = receiver.spans();
    const requestId = created.requestId;
    const ofRequest = spans.filter((span) => attribute(span, 'conduit.request.id') === requestId);
    const http = ofRequest.find((span) => !span.parentSpanId);
    expect(http?.name).toBe('POST /trpc/:path');
    expect(attribute(http, 'url.path')).toBe('/trpc/article.create');
    expect(attribute(http, 'http.response.status_code')).toBe(200);

    const procedure = ofRequest.find((span) => span.name === 'trpc article.create');
    expect(procedure?.parentSpanId).toBe(http?.spanId);
    expect(attribute(procedure, 'trpc.procedure.type')).toBe('mutation');
    expect(attribute(procedure, 'trpc.outcome')).toBe('ok');

    // Every statement the procedure ran is under it (directly, or in its transaction).
    const under = (ancestor: OtlpSpan | undefined, span: OtlpSpan): boolean => {
      const parent = spans.find((candidate) => candidate.spanId === span.parentSpanId);
      return parent !== undefined && (parent === ancestor || under(ancestor, parent));
    };
    const statements = ofRequest.filter(
      (span) => attribute(span, 'db.system.name') === 'postgresql' && span.name !== 'transaction',
    );
    // One statement writes the article with its tags (decision 049).
    const insert = statements.find((span) => span.name.startsWith('INSERT articles INSERT tags'));
    expect(insert && under(procedure, insert)).toBe(true);
    expect(attribute(insert, 'db.query.text')).toMatch(/insert into "articles" .*\$1/);
    expect(attribute(insert, 'db.operation.name')).toBe('INSERT');
    // The session lookup ran before the procedure, under the request itself.
    expect(statements.some((span) => !under(procedure, span))).toBe(true);
    expect(statements.length).toBeGreaterThan(2);

    // The cache's invalidation after the write, with its Redis command under it when in Redis.
    const invalidation = ofRequest.find((span) => span.name === 'cache invalidate');
    expect(invalidation && under(procedure, invalidation)).toBe(true);
    if (redisUrl) {
      const command = ofRequest.find((span) => attribute(span, 'db.system.name') === 'redis');
      expect(command?.name).toMatch(/^redis [A-Z]+$/);
      expect(command && under(http, command)).toBe(true);
    }

    // One trace, the request id on every span of it, and no value the client sent anywhere.
    const trace = spans.filter((span) => span.traceId === http?.traceId);
    expect(trace.length).toBe(ofRequest.length);
    const text = JSON.stringify(trace);
    for (const secret of [...Object.values(secrets), token]) expect(text).not.toContain(secret);

    // The batch: both calls are children of their one HTTP request.
    const batchSpans = spans.filter(
      (span) => attribute(span, 'conduit.request.id') === batch.headers.get('x-request-id'),
    );
    const batchHttp = batchSpans.find((span) => !span.parentSpanId);
    for (const name of ['trpc tag.list', 'trpc article.list']) {
      expect(batchSpans.find((span) => span.name === name)?.parentSpanId).toBe(batchHttp?.spanId);
    }

    // Every log line of the request names its trace, the access line too, written after the
    // request's span has ended.
    const requestLines = lines.filter((line) => line.reqId === requestId);
    expect(requestLines.map((line) => line.msg)).toContain('request completed');
    for (const line of requestLines) expect(line.trace_id).toBe(http?.traceId);
  });

  it('are off without OTEL_EXPORTER_OTLP_ENDPOINT (or with OTEL_SDK_DISABLED): nothing sent, no trace ids', async () => {
    const { receiver, url, stop } = await serve((receiver) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver,
      OTEL_SDK_DISABLED: 'true',
    }));
    const listed = await fetch(`${url}/trpc/tag.list`);
    expect(listed.status).toBe(200);
    const lines = await stop();
    expect(receiver.exports).toEqual([]);
    const requestLines = lines.filter((line) => line.reqId === listed.headers.get('x-request-id'));
    expect(requestLines.map((line) => line.msg)).toContain('request completed');
    for (const line of requestLines) expect(line).not.toHaveProperty('trace_id');
  });
});
