// The server's own TLS (TLS_CERT_FILE, TLS_KEY_FILE): HTTP/2 to clients that offer it, so one
// connection carries many open live-comment streams and every other request beside them; HTTP/1.1
// still for those that do not.
import { readFile } from 'node:fs/promises';
import { type ClientHttp2Session, connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config';
import { readTlsFiles } from '../src/tls';
import { h2Request as h2, hasOpenssl, selfSignedCertificate, streamsBesideRequests } from './h2';
import { buildTestApp } from './helpers';
import { freshName } from './http';

describe.skipIf(!hasOpenssl)('the server over TLS (needs openssl)', () => {
  let files: Awaited<ReturnType<typeof selfSignedCertificate>>;
  let app: FastifyInstance;
  let origin: string;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    files = await selfSignedCertificate();
    app = await buildTestApp({ TLS_CERT_FILE: files.certFile, TLS_KEY_FILE: files.keyFile });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    origin = `https://localhost:${address.port}`;
    session = connect(origin, { ca: await readFile(files.certFile) });
  });
  afterAll(async () => {
    session?.destroy();
    await app?.close();
    await files?.remove();
  });

  it('speaks HTTP/2 to a client that offers it', async () => {
    const res = await h2(session, '/trpc/tag.list');
    expect(session.alpnProtocol).toBe('h2');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ result: { data: { tags: expect.any(Array) } } });
  });

  it('keeps ten live-comment streams open on one connection and still answers beside them', async () => {
    const username = freshName();
    const registered = await h2(session, '/trpc/auth.register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `${username}@example.com`,
        username,
        password: 'correct horse battery',
      }),
    });
    expect(registered.status).toBe(200);
    // Signed in by the cookie, with only an Origin, as an older browser sends it: the CSRF check
    // must find the host in :authority, since HTTP/2 has no Host header.
    const cookie = String(registered.headers['set-cookie']).split(';')[0] ?? '';
    const created = await h2(session, '/trpc/article.create', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, cookie },
      body: JSON.stringify({
        title: 'Over one connection',
        description: 'd',
        body: 'b',
        tagList: [],
      }),
    });
    expect(created.status).toBe(200);
    const { slug } = JSON.parse(created.body).result.data.article as { slug: string };

    const beside = await streamsBesideRequests(session, slug);
    for (const headers of beside.headers) {
      expect(headers[':status']).toBe(200);
      expect(headers['content-type']).toMatch(/^text\/event-stream/);
      // Forbidden in HTTP/2; tRPC sets it for HTTP/1.1 and the server drops it.
      expect(headers.connection).toBeUndefined();
      // An event stream is an API answer: the lean set of security headers.
      expect(headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    }
    // With all ten open, a page and an API call on the same connection are answered.
    expect(beside.page.status).toBe(200);
    expect(beside.page.headers['content-type']).toMatch(/^text\/html/);
    expect(beside.api.status).toBe(200);
    expect(beside.stillOpen).toBe(true);
  });

  it('still speaks HTTP/1.1 to a client that does not offer HTTP/2', async () => {
    // Node's https client offers no ALPN protocol at all: the server falls back to HTTP/1.1.
    const ca = await readFile(files.certFile);
    const { status, version } = await new Promise<{ status: number; version: string }>(
      (resolve, reject) => {
        const req = httpsRequest(`${origin}/healthz`, { ca }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, version: res.httpVersion });
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(status).toBe(200);
    expect(version).toBe('1.1');
  });
});

describe('TLS files', () => {
  it('name the variable whose file cannot be read', async () => {
    const missing = join(tmpdir(), `conduit-no-such-${freshName()}.pem`);
    const failure = await readTlsFiles({ certFile: missing, keyFile: missing }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toBe(
      `Invalid configuration: TLS_CERT_FILE cannot be read (ENOENT): ${missing}`,
    );
  });
});
