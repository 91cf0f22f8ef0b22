// The database goes away under a write load and comes back: /readyz turns 503 while it is gone and
// 200 again by itself, the server keeps serving, and every write it acknowledged is stored.
// PostgreSQL only. The outage is made by a TCP proxy on loopback between the server and PostgreSQL
// that drops every connection and refuses new ones (what a restart looks like from the server),
// because the machine's PostgreSQL is shared with the other test processes running at once.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { getTestDatabaseUrl } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { testConfig } from './helpers';
import { register } from './http';
import { eventually, missingArticles, startWriteLoad } from './write-load';

const databaseUrl = await getTestDatabaseUrl();

/**
 * A proxy to PostgreSQL that can be cut (every connection dropped, the port closed so new ones are
 * refused, as while a server restarts) and mended (listening again on the same port).
 */
async function cuttableProxy(target: URL) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const port = address.port;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    cut() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
    async mend() {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    // Connections still open go too: under load postgres.js can leave one it was opening as the
    // pool ended (seen in CI after the mend), and the test must not wait for it to idle out.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!databaseUrl)('a database outage (needs TEST_DATABASE_URL)', () => {
  let app: FastifyInstance | undefined;
  let proxy: Awaited<ReturnType<typeof cuttableProxy>> | undefined;
  afterAll(async () => {
    await app?.close();
    await proxy?.close();
  });

  it('flips /readyz and back without a restart, and loses no acknowledged write', async () => {
    proxy = await cuttableProxy(new URL(databaseUrl ?? ''));
    app = await buildApp(
      testConfig({ DATABASE_URL: proxy.url, REGISTER_MAX_PER_IP: '0', RATE_LIMIT_MAX: '0' }),
    );
    const ready = async () => (await app?.inject({ url: '/readyz' }))?.statusCode;
    expect(await ready()).toBe(200);
    const writer = await register(app);
    const load = startWriteLoad(app, writer.token);

    await sleep(300);
    proxy.cut();
    expect(await eventually(async () => (await ready()) === 503, 50)).toBe(true);
    // Alive all the same: the process serves, the load balancer just sends nothing for a while.
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const duringOutage = load.acknowledged.length;

    await sleep(1000);
    await proxy.mend();
    expect(await eventually(async () => (await ready()) === 200)).toBe(true);
    // Writes succeed again, on the same process.
    await sleep(500);
    await load.stop();
    expect(load.acknowledged.length).toBeGreaterThan(duringOutage);
    // Refused writes were refused as unavailable, never as a crash the client cannot tell apart.
    expect(load.refused.length).toBeGreaterThan(0);
    expect(load.refused.filter((status) => status !== 503)).toEqual([]);

    // Every acknowledged write is there, read straight from PostgreSQL.
    expect(await missingArticles(databaseUrl ?? '', load.acknowledged)).toEqual([]);
  }, 60_000);
});
