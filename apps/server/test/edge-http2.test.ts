// The shipped edge (deploy/nginx/conduit.conf, rendered by test/nginx.ts) serves browsers HTTP/2
// over TLS: ten open live-comment streams share one connection with everything else, so an
// eleventh page and an API call are answered at once. Over HTTP/1.1 a browser has six connections
// per host and each open article page holds one.
import { readFile } from 'node:fs/promises';
import { type ClientHttp2Session, connect } from 'node:http2';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request, hasOpenssl, selfSignedCertificate, streamsBesideRequests } from './h2';
import { serveTestApp } from './helpers';
import { freshName } from './http';
import { nginxBinary, startNginx } from './nginx';

const needs = [!nginxBinary() && 'nginx', !hasOpenssl && 'openssl'].filter(Boolean).join(' and ');

describe.skipIf(needs !== '')(`the edge over HTTP/2 (needs nginx and openssl)`, () => {
  let certificate: Awaited<ReturnType<typeof selfSignedCertificate>> | undefined;
  let app: FastifyInstance | undefined;
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  let session: ClientHttp2Session;
  let origin: string;

  beforeAll(async () => {
    certificate = await selfSignedCertificate();
    const served = await serveTestApp({ TRUST_PROXY: 'loopback' });
    app = served.app;
    nginx = await startNginx({
      upstreams: [new URL(served.origin).host],
      tls: { certFile: certificate.certFile, keyFile: certificate.keyFile },
    });
    origin = nginx.tlsUrl ?? '';
    session = connect(origin, { ca: await readFile(certificate.certFile) });
  }, 60_000);

  afterAll(async () => {
    session?.destroy();
    await nginx?.stop();
    await app?.close();
    await certificate?.remove();
  });

  it('answers browsers over HTTP/2', async () => {
    const answer = await h2Request(session, '/api/tags');
    expect(session.alpnProtocol).toBe('h2');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ tags: expect.any(Array) });
  });

  it('keeps ten live-comment streams open and still answers a page and an API call at once', async () => {
    const username = freshName();
    const json = { 'content-type': 'application/json', origin };
    const registered = await h2Request(session, '/api/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        user: { email: `${username}@example.com`, username, password: 'correct horse battery' },
      }),
    });
    expect(registered.status).toBe(201);
    const { token } = JSON.parse(registered.body).user as { token: string };
    const created = await h2Request(session, '/api/articles', {
      method: 'POST',
      headers: { ...json, authorization: `Token ${token}` },
      body: JSON.stringify({ article: { title: 'At the edge', description: 'd', body: 'b' } }),
    });
    expect(created.status).toBe(201);
    const { slug } = JSON.parse(created.body).article as { slug: string };

    const beside = await streamsBesideRequests(session, slug);
    console.log(
      `edge (nginx, HTTP/2): page and API call beside 10 open streams in ${beside.ms.toFixed(0)} ms`,
    );
    for (const opened of beside.headers) {
      expect(opened[':status']).toBe(200);
      expect(opened['content-type']).toMatch(/^text\/event-stream/);
    }
    expect(beside.page.status).toBe(200);
    expect(beside.page.headers['content-type']).toMatch(/^text\/html/);
    expect(beside.api.status).toBe(200);
    expect(beside.stillOpen).toBe(true);
  });
});
