// Two server processes behind nginx, as docs/deployment.md sets them up on one machine: the same
// PostgreSQL and Redis, TRUST_PROXY for nginx, and nginx running deploy/nginx/conduit.conf itself
// (rendered by test/nginx.ts). What a user must not notice is which process answers: a session
// made on one works on the other, throttling counts the client over both, a comment written
// through one reaches a reader on the other, a cached read on one sees a write through the other,
// and both can be restarted in turn under load without a failed request or a lost write.
// Steps that depend on which process answers send requests to a process's own port, others go
// through nginx. Runs with TEST_DATABASE_URL, TEST_REDIS_URL and nginx installed.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { getTestDatabaseUrl } from '@conduit/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxBinary, startNginx } from './nginx';
import { freePort, startServerProcess } from './process';
import { until } from './until';
import { missingArticles } from './write-load';

const databaseUrl = await getTestDatabaseUrl();
const redisUrl = process.env.TEST_REDIS_URL;
const skipped = !databaseUrl
  ? 'TEST_DATABASE_URL is not set'
  : !redisUrl
    ? 'TEST_REDIS_URL is not set'
    : !nginxBinary()
      ? 'nginx is not installed'
      : undefined;

/** The global limit, per client address and minute, shared by both processes through Redis. */
const RATE_LIMIT_MAX = 20;

/**
 * A Redis database of this test process's own: rate-limit counters and cached reads are keyed
 * the same way by every Conduit process on a Redis, and other test processes' servers (over other
 * databases) would otherwise read and write the same keys, the tag list's among them.
 */
function ownRedisDatabase(url: string): string {
  const own = new URL(url);
  own.pathname = `/${1 + (process.pid % 15)}`;
  return own.toString();
}

/**
 * A loopback address of its own for each client (Linux routes all of 127/8 to lo). The server
 * counts requests per client address, and with Redis the counts outlive a run; nginx, which
 * connects to the processes from 127.0.0.1, passes the address on in X-Forwarded-For.
 */
function clientAddress(): string {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return `127.${octet()}.${octet()}.${octet()}`;
}

interface Answer {
  /** 0 when no HTTP answer came (refused, reset, timed out): `text` says why. */
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request on a connection of its own, from `from` (a fresh client address by default). */
function send(
  origin: string,
  path: string,
  options: { method?: string; body?: unknown; token?: string; from?: string } = {},
): Promise<Answer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve) => {
    const request = httpRequest(
      `${origin}${path}`,
      {
        method: options.method ?? 'GET',
        agent: false,
        localAddress: options.from ?? clientAddress(),
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Token ${options.token}` } : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
        );
        response.on('error', (error) => resolve({ status: 0, headers: {}, text: String(error) }));
      },
    );
    request.setTimeout(20_000, () => request.destroy(new Error('no answer within 20 s')));
    request.on('error', (error) => resolve({ status: 0, headers: {}, text: String(error) }));
    request.end(body);
  });
}

/** `send`, expecting a 2xx answer with a JSON body. */
async function json<T>(origin: string, path: string, options: Parameters<typeof send>[2] = {}) {
  const answer = await send(origin, path, options);
  if (answer.status < 200 || answer.status > 299) {
    throw new Error(`${options.method ?? 'GET'} ${path}: ${answer.status} ${answer.text}`);
  }
  return JSON.parse(answer.text) as T;
}

let names = 0;
const run = Math.random().toString(36).slice(2, 8);
const unique = (what: string) => `${what}${run}${++names}`;

async function signUp(origin: string): Promise<{ username: string; token: string }> {
  const username = unique('n');
  const { user } = await json<{ user: { token: string } }>(origin, '/api/users', {
    method: 'POST',
    body: {
      user: { username, email: `${username}@example.com`, password: 'correct horse battery' },
    },
  });
  return { username, token: user.token };
}

async function createArticle(origin: string, token: string, tagList: string[] = []) {
  const { article } = await json<{ article: { slug: string } }>(origin, '/api/articles', {
    method: 'POST',
    token,
    body: { article: { title: unique('Article '), description: 'd', body: 'b', tagList } },
  });
  return article.slug;
}

/** The value of the Prometheus series `series` (name and labels) on one process, or 0. */
async function metric(origin: string, series: string): Promise<number> {
  const { status, text } = await send(origin, '/metrics');
  if (status !== 200) throw new Error(`/metrics: ${status} ${text}`);
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** A Conduit process on `port`, once it listens. */
async function startInstance(port: number) {
  const server = startServerProcess({
    DATABASE_URL: databaseUrl ?? '',
    REDIS_URL: ownRedisDatabase(redisUrl ?? ''),
    PORT: String(port),
    TRUST_PROXY: '127.0.0.1',
    RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
    RATE_LIMIT_WINDOW_MS: '60000',
    CACHE_TTL_MS: '30000',
    // Sign-ups come from one address per test step; their own per-IP limit is not under test.
    REGISTER_MAX_PER_IP: '0',
    LOGIN_MAX_ATTEMPTS_PER_IP: '0',
  });
  await until(
    `the server on port ${port} to listen`,
    () => {
      if (server.child.exitCode !== null) {
        throw new Error(`the server on port ${port} exited: ${server.output().stderr}`);
      }
      return server.output().stdout.includes('Server listening at');
    },
    90_000,
  );
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    server,
    /** SIGTERM, as an orchestrator stops it; resolves with the exit code. */
    async stop(): Promise<number | null> {
      server.child.kill('SIGTERM');
      return server.exited;
    },
  };
}

type Instance = Awaited<ReturnType<typeof startInstance>>;

/** Live comments of one article over server-sent events, read off the wire. */
function watchComments(origin: string, slug: string) {
  const bodies: string[] = [];
  const input = encodeURIComponent(JSON.stringify({ slug }));
  const request = httpRequest(`${origin}/trpc/comment.onCreated?input=${input}`, {
    agent: false,
    localAddress: clientAddress(),
    headers: { accept: 'text/event-stream' },
  });
  let status = 0;
  request.on('response', (response) => {
    status = response.statusCode ?? 0;
    response.setEncoding('utf8');
    let pending = '';
    response.on('data', (chunk: string) => {
      pending += chunk;
      // Events are separated by a blank line; a tracked comment is `id: ...` then `data: {...}`.
      for (let end = pending.indexOf('\n\n'); end !== -1; end = pending.indexOf('\n\n')) {
        const event = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const data = event.split('\n').find((line) => line.startsWith('data: '));
        if (event.includes('\nid: ') || event.startsWith('id: ')) {
          if (data) bodies.push((JSON.parse(data.slice(6)) as { body: string }).body);
        }
      }
    });
  });
  request.on('error', () => {});
  request.end();
  return {
    bodies,
    status: () => status,
    close: () => request.destroy(),
  };
}

/** Requests through nginx one after another until stopped, each from a new client address. */
function loop(next: () => Promise<{ answer: Answer; what: string }>) {
  let going = true;
  const failures: string[] = [];
  let answered = 0;
  const done = (async () => {
    while (going) {
      const { answer, what } = await next();
      if (answer.status >= 200 && answer.status <= 299) answered += 1;
      else failures.push(`${what}: ${answer.status} ${answer.text.slice(0, 200)}`);
    }
  })();
  return {
    answered: () => answered,
    failures,
    async stop() {
      going = false;
      await done;
    },
  };
}

(skipped ? describe.skip : describe)(
  `several server processes behind nginx${skipped ? ` (skipped: ${skipped})` : ''}`,
  { timeout: 150_000 },
  () => {
    let a: Instance | undefined;
    let b: Instance | undefined;
    let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
    const all: Instance[] = [];

    beforeAll(async () => {
      const ports = [await freePort(), await freePort()];
      const started = await Promise.all(ports.map((port) => startInstance(port)));
      [a, b] = started;
      all.push(...started);
      nginx = await startNginx({ upstreams: ports.map((port) => `127.0.0.1:${port}`) });
    }, 150_000);

    afterAll(async () => {
      await nginx?.stop();
      for (const instance of all) {
        if (instance.server.child.exitCode === null) instance.server.child.kill('SIGKILL');
      }
    });

    /** The two processes and nginx, once started. */
    const setup = () => {
      if (!a || !b || !nginx) throw new Error('not started');
      return { a, b, nginx: nginx.url, nginxErrors: nginx.errorLog };
    };

    it('accepts a session made on one process on the other, and ends it everywhere', async () => {
      const { a, b, nginx } = setup();
      const { username, token } = await signUp(a.origin);
      for (const origin of [b.origin, nginx, nginx]) {
        const answer = await send(origin, '/api/user', { token });
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.text).user.username).toBe(username);
      }

      const logout = await send(b.origin, '/trpc/auth.logout', { method: 'POST', token, body: {} });
      expect(logout.status).toBe(200);
      // Refused on the process that cached it as valid a moment ago, and through nginx.
      for (const origin of [a.origin, nginx, nginx]) {
        expect((await send(origin, '/api/user', { token })).status).toBe(401);
      }
    });

    it('throttles a client by its address over both processes together', async () => {
      const { a, b, nginx } = setup();
      const from = clientAddress();
      const route = 'http_requests_total{method="GET",route="/api/tags",status="200"}';
      const servedBefore = [await metric(a.origin, route), await metric(b.origin, route)];

      const statuses: number[] = [];
      for (let n = 0; n < 2 * RATE_LIMIT_MAX; n++) {
        statuses.push((await send(nginx, '/api/tags', { from })).status);
      }
      // The shared count: RATE_LIMIT_MAX answers in all, not RATE_LIMIT_MAX from each process.
      expect(statuses).toEqual([
        ...Array(RATE_LIMIT_MAX).fill(200),
        ...Array(RATE_LIMIT_MAX).fill(429),
      ]);
      // And both processes answered some of them: nginx spread the requests.
      const served = [await metric(a.origin, route), await metric(b.origin, route)].map(
        (count, n) => count - (servedBefore[n] ?? 0),
      );
      expect(served[0]).toBeGreaterThan(0);
      expect(served[1]).toBeGreaterThan(0);
      expect((served[0] ?? 0) + (served[1] ?? 0)).toBe(RATE_LIMIT_MAX);

      // The count is the client's (the address nginx saw), not nginx's own: another client
      // through the same nginx is served, and the throttled one is throttled on B's own port too.
      expect((await send(nginx, '/api/tags')).status).toBe(200);
      expect((await send(b.origin, '/api/tags', { from })).status).toBe(429);
    });

    it('delivers a comment written through one process to readers of the other and of nginx', async () => {
      const { a, b, nginx } = setup();
      const writer = await signUp(b.origin);
      const slug = await createArticle(b.origin, writer.token);
      const subscriptions = 'live_comment_subscriptions';
      const open = async () =>
        (await metric(a.origin, subscriptions)) + (await metric(b.origin, subscriptions));
      const before = await open();
      const onA = watchComments(a.origin, slug);
      const throughNginx = watchComments(nginx, slug);
      try {
        // Both readers listening (counted by the processes) before the comment is written: it
        // can only reach them live, through PostgreSQL's NOTIFY.
        await until('both subscriptions open', async () => (await open()) === before + 2);
        expect(await metric(a.origin, subscriptions)).toBeGreaterThanOrEqual(1);

        await json(b.origin, `/api/articles/${slug}/comments`, {
          method: 'POST',
          token: writer.token,
          body: { comment: { body: 'written through B' } },
        });
        // Through nginx the events must come as they are sent (proxy_buffering off), not when a
        // buffer fills or the stream ends.
        await until(
          'the comment on both readers',
          () => onA.bodies.length > 0 && throughNginx.bodies.length > 0,
          10_000,
        );
        expect(onA.bodies).toEqual(['written through B']);
        expect(throughNginx.bodies).toEqual(['written through B']);
        expect([onA.status(), throughNginx.status()]).toEqual([200, 200]);
      } finally {
        onA.close();
        throughNginx.close();
      }
    });

    it("shows a new tag in one process's cached tag list right after an article written through the other", async () => {
      const { a, b } = setup();
      const writer = await signUp(b.origin);
      const tag = unique('tag');
      const tagsOnA = async () => (await json<{ tags: string[] }>(a.origin, '/api/tags')).tags;
      const hits = 'cache_lookups_total{result="hit"}';

      expect(await tagsOnA()).not.toContain(tag);
      // Served from the cache now (CACHE_TTL_MS is 30 s): a write elsewhere must reach it.
      const hitsBefore = await metric(a.origin, hits);
      expect(await tagsOnA()).not.toContain(tag);
      expect(await metric(a.origin, hits)).toBeGreaterThan(hitsBefore);

      await createArticle(b.origin, writer.token, [tag]);
      expect(await tagsOnA()).toContain(tag);
    });

    it('restarts both processes in turn under load without a failed request or a lost write', async () => {
      const { a, b, nginx, nginxErrors } = setup();
      const writer = await signUp(nginx);
      const favorited = await createArticle(nginx, writer.token);

      // Readers (several routes), writers creating articles, and a favorite toggled back and
      // forth: every answer must be a 2xx, every acknowledged article stored.
      const readPaths = [
        '/api/tags',
        '/api/articles?limit=5',
        `/api/articles/${favorited}`,
        '/healthz',
      ];
      const readers = [0, 1, 2].map((n) => {
        let i = n;
        return loop(async () => {
          const path = readPaths[i++ % readPaths.length] ?? '/healthz';
          return { answer: await send(nginx, path), what: `GET ${path}` };
        });
      });
      const acknowledged: string[] = [];
      const creators = [0, 1].map(() =>
        loop(async () => {
          const title = unique('Under restart ');
          const answer = await send(nginx, '/api/articles', {
            method: 'POST',
            token: writer.token,
            body: { article: { title, description: 'd', body: 'b', tagList: [] } },
          });
          if (answer.status === 201 || answer.status === 200) {
            acknowledged.push(
              (JSON.parse(answer.text) as { article: { slug: string } }).article.slug,
            );
          }
          return { answer, what: 'POST /api/articles' };
        }),
      );
      let favorite = false;
      const toggler = loop(async () => {
        const method = favorite ? 'DELETE' : 'POST';
        const answer = await send(nginx, `/api/articles/${favorited}/favorite`, {
          method,
          token: writer.token,
        });
        if (answer.status === 200) favorite = !favorite;
        return { answer, what: `${method} favorite` };
      });
      const loops = [...readers, ...creators, toggler];
      const answered = () => loops.reduce((sum, one) => sum + one.answered(), 0);

      /** Stops `old` under load and starts its replacement on the same port. */
      const replace = async (old: Instance): Promise<Instance> => {
        const before = answered();
        expect(await old.stop()).toBe(0);
        const replacement = await startInstance(old.port);
        all.push(replacement);
        // Back in nginx's rotation (it marked the port failed while it refused connections):
        // the replacement serves the load, so stopping the other one next leaves nginx a choice.
        await until('the replacement to serve through nginx', async () => {
          const served = await metric(
            replacement.origin,
            'http_requests_total{method="GET",route="/api/tags",status="200"}',
          );
          return served > 0;
        });
        expect(answered()).toBeGreaterThan(before);
        return replacement;
      };

      await sleep(1000);
      const a2 = await replace(a);
      const b2 = await replace(b);
      await sleep(1000);
      await Promise.all(loops.map((one) => one.stop()));

      expect(loops.flatMap((one) => one.failures)).toEqual([]);
      // nginx met refused connections only (a process stopping or not started yet: the request
      // goes to the other at once), never a connection that broke under a request it had sent,
      // which nginx retries for a GET but not for a POST.
      const broken = nginxErrors()
        .split('\n')
        .filter((line) => line.includes('[error]') && !line.includes('(111: Connection refused)'));
      expect(broken).toEqual([]);
      expect(answered()).toBeGreaterThan(100);
      expect(acknowledged.length).toBeGreaterThan(10);
      expect(await missingArticles(databaseUrl ?? '', acknowledged)).toEqual([]);
      // The favorite is where the last acknowledged toggle left it.
      const { article } = await json<{ article: { favorited: boolean } }>(
        a2.origin,
        `/api/articles/${favorited}`,
        { token: writer.token },
      );
      expect(article.favorited).toBe(favorite);
      expect(b2.server.child.exitCode).toBeNull();
    });
  },
);
