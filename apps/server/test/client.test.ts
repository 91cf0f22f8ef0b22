// @conduit/client as an internal developer uses it: against the real server on a random port,
// signing up and in, typed calls, comments followed live, failures read by their code.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ConduitClient,
  conduitErrorInfo,
  createClient,
  isConduitError,
  type RouterOutputs,
} from '@conduit/client';
import { getTestDb, resetDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveTestApp } from './helpers';
import { freshName } from './http';

// Servers close before subscriptions end (see comments.test.ts: a reader leaving first holds
// app.close() up while Node's fetch idles out a spare connection).
const servers: FastifyInstance[] = [];
const subscriptions: { unsubscribe(): void }[] = [];
beforeEach(async () => resetDb((await getTestDb()).db));
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
});

/** The app on a random port (per-IP sign-up and sign-in limits off); returns its origin. */
async function serve(): Promise<string> {
  const { app, origin } = await serveTestApp();
  servers.push(app);
  return origin;
}

const password = 'correct horse battery';

/** A new account, signed up through the client; returns a client that uses its token. */
async function signUp(url: string) {
  const username = freshName();
  const { token, user } = await createClient({ url }).auth.register.mutate({
    email: `${username}@example.com`,
    username,
    password,
  });
  return { user, client: createClient({ url, token }) };
}

async function until(done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(20);
}

async function failureOf(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isConduitError(error)) throw new Error(`expected a Conduit error, got ${String(error)}`);
  return error;
}

describe('@conduit/client against a live server', () => {
  it('signs in, then calls procedures with the token it got', async () => {
    const url = await serve();
    const { user } = await signUp(url);

    // A client that reads its token when it calls: sign in, then keep using the same client.
    let token: string | undefined;
    const client = createClient({ url, token: () => token });
    const session = await client.auth.login.mutate({ email: user.email, password });
    token = session.token;
    expect((await client.auth.me.query()).user.username).toBe(user.username);

    const { article } = await client.article.create.mutate({
      title: 'Typed all the way',
      description: 'from the client',
      body: 'Hello',
      tagList: ['Clients'],
    });
    expect(article).toMatchObject({ title: 'Typed all the way', tagList: ['clients'] });

    const page: RouterOutputs['article']['list'] = await createClient({ url }).article.list.query({
      limit: 10,
    });
    expect(page.articlesCount).toBe(1);
    expect(page.articles.map((a) => [a.slug, a.author.username])).toEqual([
      [article.slug, user.username],
    ]);
  });

  it('follows comments live, with the reader signed in through its token', async () => {
    const url = await serve();
    const writer = await signUp(url);
    const reader = await signUp(url);
    const { article } = await writer.client.article.create.mutate({
      title: 'Live',
      description: '',
      body: 'Talk here',
    });
    // The comment's author is followed by the reader: only a signed-in reader sees `following`.
    await reader.client.profile.follow.mutate({ username: writer.user.username });
    const first = await writer.client.comment.create.mutate({ slug: article.slug, body: 'c0' });

    type Comment = RouterOutputs['comment']['create']['comment'];
    const received: Comment[] = [];
    const errors: unknown[] = [];
    // From c0 on: whatever is written while the stream opens is caught up, the rest comes live.
    const watch = (client: ConduitClient) =>
      client.comment.onCreated.subscribe(
        { slug: article.slug, lastEventId: String(first.comment.id) },
        { onData: ({ data }) => received.push(data), onError: (e) => errors.push(e) },
      );
    subscriptions.push(watch(reader.client));

    await writer.client.comment.create.mutate({ slug: article.slug, body: 'c1' });
    await until(() => received.length >= 1 || errors.length > 0);
    await writer.client.comment.create.mutate({ slug: article.slug, body: 'c2' });
    await until(() => received.length >= 2 || errors.length > 0);

    expect(errors).toEqual([]);
    expect(received.map((c) => [c.body, c.author.username, c.author.following])).toEqual([
      ['c1', writer.user.username, true],
      ['c2', writer.user.username, true],
    ]);
  });

  it('surfaces failures with their code, status and field errors', async () => {
    const url = await serve();
    const anonymous = await failureOf(createClient({ url }).auth.me.query());
    expect(conduitErrorInfo(anonymous)).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });

    const { client } = await signUp(url);
    const invalid = await failureOf(
      client.article.create.mutate({ title: '  ', description: 'd', body: 'b' }),
    );
    expect(invalid.data?.code).toBe('BAD_REQUEST');
    expect(invalid.data?.httpStatus).toBe(400);
    expect(invalid.data?.fieldErrors).toEqual({ title: ['must not be empty'] });
  });
});
