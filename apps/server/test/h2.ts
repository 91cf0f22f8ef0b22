// HTTP/2 over TLS from a test's side: a self-signed certificate made with openssl (as
// docs/deployment.md tells operators to for a test), one request on a session, and event streams
// held open on it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether openssl can be run here (Debian has it; a test without it is skipped, saying so). */
export const hasOpenssl = await run('openssl', ['version']).then(
  () => true,
  () => false,
);

/**
 * A self-signed certificate for localhost and 127.0.0.1 (and `addresses`, for a server on another
 * address) in a fresh folder, and a way to remove it.
 */
export async function selfSignedCertificate(addresses: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'conduit-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    `subjectAltName=DNS:localhost,${['127.0.0.1', ...addresses].map((a) => `IP:${a}`).join(',')}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface H2Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** One request on `session`, read to its end. */
export function h2Request(
  session: ClientHttp2Session,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': init.method ?? 'GET',
      ':path': path,
      ...init.headers,
    });
    let headers: Record<string, unknown> = {};
    let body = '';
    stream.on('response', (received) => {
      headers = received;
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      body += chunk;
    });
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body }));
    stream.on('error', reject);
    stream.end(init.body);
  });
}

/**
 * `count` event streams of `path` opened on `session`, resolved once each has its response
 * headers; they stay open until closed.
 */
export async function openEventStreams(
  session: ClientHttp2Session,
  path: string,
  count: number,
): Promise<{ streams: ClientHttp2Stream[]; headers: Record<string, unknown>[] }> {
  const streams = Array.from({ length: count }, () =>
    session.request({ ':path': path, accept: 'text/event-stream' }),
  );
  const headers = await Promise.all(
    streams.map(
      (stream) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          stream.once('response', resolve);
          stream.once('error', reject);
        }),
    ),
  );
  return { streams, headers };
}

/**
 * Opens `count` live-comment streams of the article `slug` on `session`, then asks for a page (the
 * API reference at /docs, which the server draws itself, so the test needs no web build) and an
 * API call beside them: the streams' response headers, both answers, and whether every
 * stream was still open afterwards. The streams are closed before it resolves.
 */
export async function streamsBesideRequests(session: ClientHttp2Session, slug: string, count = 10) {
  const input = encodeURIComponent(JSON.stringify({ slug }));
  const { streams, headers } = await openEventStreams(
    session,
    `/trpc/comment.onCreated?input=${input}`,
    count,
  );
  try {
    const started = performance.now();
    const [page, api] = await Promise.all([
      h2Request(session, '/docs'),
      h2Request(session, '/trpc/tag.list'),
    ]);
    const ms = performance.now() - started;
    return { headers, page, api, ms, stillOpen: streams.every((stream) => !stream.closed) };
  } finally {
    for (const stream of streams) stream.close();
  }
}
