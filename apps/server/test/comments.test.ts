// Live comments as a reader meets them: a typed tRPC client over a real port, subscriptions over
// server-sent events, comments written through another client and another server instance.
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ConduitError, createClient, TRPCClientError } from '@conduit/client';
import { eq, users } from '@conduit/db';
import { createArticle, getTestDatabaseUrl, getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { serveTestApp, testConfig } from './helpers';
import { freshName, mutate } from './http';

/** The typed client an internal developer would use (see packages/client). */
const clientOf = (origin: string, token?: string) => createClient({ url: origin, token });

interface Reader {
  received: { id: string; body: string }[];
  errors: unknown[];
  /** The bodies received once there are `count` (fails on a subscription error or timeout). */
  bodies(count: number, ms?: number): Promise<string[]>;
  /** The first error the subscription ended with. */
  error(ms?: number): Promise<unknown>;
  close(): void;
}

// Servers close before their readers leave, so closing a server with subscriptions open is part
// of every test. (A reader leaving first makes Node's fetch open a spare connection to the server,
// which holds app.close() up for a few seconds until it idles out.)
const servers: FastifyInstance[] = [];
const readers: Reader[] = [];
beforeEach(async () => resetDb((await getTestDb()).db));
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const reader of readers.splice(0)) reader.close();
});

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(20);
}

/** Opens `comment.onCreated` and keeps what arrives. */
function watch(client: ReturnType<typeof clientOf>, input: { slug: string; lastEventId?: string }) {
  const received: Reader['received'] = [];
  const errors: unknown[] = [];
  const subscription = client.comment.onCreated.subscribe(input, {
    onData: ({ id, data }) => received.push({ id, body: data.body }),
    onError: (error) => errors.push(error),
  });
  const reader: Reader = {
    received,
    errors,
    async bodies(count, ms = 5000) {
      await until(() => received.length >= count || errors.length > 0, ms);
      if (errors.length > 0) throw errors[0];
      return received.map((event) => event.body);
    },
    async error(ms = 5000) {
      await until(() => errors.length > 0, ms);
      return errors[0];
    },
    close: () => subscription.unsubscribe(),
  };
  readers.push(reader);
  return reader;
}

/** The app over the worker's test database, on a random port. */
async function serve(
  env: Record<string, string> = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const { app, origin } = await serveTestApp(env);
  servers.push(app);
  return { app, url: origin };
}

/** A writer signed up over HTTP, with an article to comment on. */
async function writerWithArticle(url: string, slug: string) {
  const username = freshName();
  const { token } = await clientOf(url).auth.register.mutate({
    email: `${username}@example.com`,
    username,
    password: 'correct horse battery',
  });
  const { db } = await getTestDb();
  const [user] = await db.select().from(users).where(eq(users.username, username));
  if (!user) throw new Error('registered user not found');
  await createArticle(db, user, { slug });
  const client = clientOf(url, token);
  const write = async (body: string) =>
    (await client.comment.create.mutate({ slug, body })).comment;
  return { token, write };
}

describe('comment.onCreated over server-sent events', () => {
  it('delivers comments written through another client and another server instance', async () => {
    const { url } = await serve();
    const writer = await writerWithArticle(url, 'live');
    const before = await writer.write('c0');

    // A reader that last saw c0: whatever came after it arrives, then new comments live.
    const reader = watch(clientOf(url), { slug: 'live', lastEventId: String(before.id) });
    await writer.write('c1');
    expect(await reader.bodies(1)).toEqual(['c1']);
    // The reader is past its catch-up now: this one can only come live.
    await writer.write('c2');
    expect(await reader.bodies(2)).toEqual(['c1', 'c2']);

    // A second instance: on PostgreSQL with its own pool to the same database, as another
    // process would have; on PGlite (one owner per database) on the same connection, with its
    // own event bus.
    const databaseUrl = await getTestDatabaseUrl();
    const other = databaseUrl
      ? await buildApp(testConfig({ DATABASE_URL: databaseUrl }))
      : (await serve()).app;
    if (databaseUrl) servers.push(other);
    const res = await mutate(
      other,
      'comment.create',
      { slug: 'live', body: 'c3 from the other instance' },
      { authorization: `Token ${writer.token}` },
    );
    expect(res.statusCode).toBe(200);
    expect(await reader.bodies(3)).toEqual(['c1', 'c2', 'c3 from the other instance']);
    // Each event's id is its comment's: what the client sends back when it reconnects.
    expect(reader.received.map((event) => Number(event.id))).toEqual(
      [1, 2, 3].map((n) => before.id + n),
    );
  });

  it('refuses subscriptions beyond the per-client cap with TOO_MANY_REQUESTS', async () => {
    const { url } = await serve({
      LIVE_MAX_SUBSCRIPTIONS_PER_CLIENT: '2',
      LIVE_MAX_SUBSCRIPTIONS: '100',
    });
    const writer = await writerWithArticle(url, 'capped');
    const first = await writer.write('a');
    await writer.write('b');
    // A reader catches up on "b" only once it holds its place.
    const from = { slug: 'capped', lastEventId: String(first.id) };
    const open = [watch(clientOf(url), from), watch(clientOf(url), from)];
    for (const reader of open) expect(await reader.bodies(1)).toEqual(['b']);

    const refused = watch(clientOf(url), from);
    const error = await refused.error();
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as ConduitError).data?.code).toBe('TOO_MANY_REQUESTS');
    expect(refused.received).toEqual([]);

    // A reader that leaves gives its place back, once the server sees its connection close.
    open[0]?.close();
    let again = refused;
    for (let attempt = 0; attempt < 20 && again.received.length === 0; attempt++) {
      await sleep(50);
      again = watch(clientOf(url), from);
      await until(() => again.received.length > 0 || again.errors.length > 0, 3000);
    }
    expect(again.received.map((event) => event.body)).toEqual(['b']);
  });

  it('lets app.close() finish promptly while a subscription is open', async () => {
    const { app, url } = await serve();
    const writer = await writerWithArticle(url, 'closing');
    const first = await writer.write('a');
    await writer.write('b');
    const reader = watch(clientOf(url), { slug: 'closing', lastEventId: String(first.id) });
    expect(await reader.bodies(1)).toEqual(['b']);

    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

/** A TCP relay to `origin` whose connections can be cut, as a network drop or a laptop's sleep would. */
async function relayTo(origin: string) {
  const target = new URL(origin);
  const sockets = new Set<Socket>();
  const relay = createServer((inbound) => {
    const outbound = connect(Number(target.port), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(() => resolve());
      }),
  };
}

describe('comment.live over server-sent events', () => {
  it('comes back after the connection drops, with what was written meanwhile, each once', async () => {
    const { url } = await serve();
    const writer = await writerWithArticle(url, 'dropped');
    const relay = await relayTo(url);
    const events: { id: string; what: string }[] = [];
    const subscription = clientOf(relay.origin).comment.live.subscribe(
      { slugs: ['dropped'] },
      {
        onData: ({ id, data }) =>
          events.push({
            id,
            what:
              data.kind === 'created'
                ? data.comment.body
                : data.kind === 'deleted'
                  ? `deleted ${data.id}`
                  : data.kind,
          }),
      },
    );
    try {
      await until(() => events.length >= 1, 5000);
      const seen = await writer.write('before the drop');
      await until(() => events.length >= 2, 5000);

      relay.cut();
      const missed = await writer.write('while away');
      await until(() => events.length >= 4, 15_000);
      // The client reconnected with the id of the last event it had: the stream says it is
      // listening again from there, then sends what it missed.
      expect(events).toEqual([
        { id: expect.any(String), what: 'ready' },
        { id: String(seen.id), what: 'before the drop' },
        { id: String(seen.id), what: 'ready' },
        { id: String(missed.id), what: 'while away' },
      ]);
    } finally {
      subscription.unsubscribe();
      await relay.close();
    }
  });
});
