// What the client puts on the wire (URL, batching, headers) and how it reads errors, against a
// recording fetch with canned tRPC answers. The live server is exercised in apps/server.
import { describe, expect, it } from 'vitest';
import { conduitErrorInfo, createClient, isConduitError, trpcUrl } from './index';

interface Recorded {
  method: string;
  url: URL;
  headers: Headers;
  body: string | undefined;
}

/** A fetch that records each request and answers with `respond`'s body and status. */
function recordingFetch(respond: (request: Recorded) => { status?: number; body: string }) {
  const requests: Recorded[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request: Recorded = {
      method: init?.method ?? 'GET',
      url: new URL(input instanceof Request ? input.url : String(input)),
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    requests.push(request);
    const { status = 200, body } = respond(request);
    const type = request.headers.get('accept') === 'text/event-stream' ? 'event-stream' : 'json';
    return new Response(body, { status, headers: { 'content-type': `text/${type}` } });
  };
  return { fetch, requests };
}

/** A successful batch answer: one result per procedure in the request's path. */
const batchOk = (request: Recorded) => ({
  body: JSON.stringify(
    request.url.pathname
      .replace('/trpc/', '')
      .split(',')
      .map(() => ({ result: { data: { tags: ['a'] } } })),
  ),
});

describe('createClient', () => {
  it('calls <url>/trpc, batching calls made together', async () => {
    const { fetch, requests } = recordingFetch(batchOk);
    const client = createClient({ url: 'http://conduit.test/', fetch });
    const [first, second] = await Promise.all([
      client.tag.list.query({}),
      client.tag.list.query({ limit: 5 }),
    ]);
    expect(first).toEqual({ tags: ['a'] });
    expect(second).toEqual({ tags: ['a'] });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url.origin + (requests[0]?.url.pathname ?? '')).toBe(
      'http://conduit.test/trpc/tag.list,tag.list',
    );
    expect(requests[0]?.headers.has('authorization')).toBe(false);
  });

  it('splits batches larger than the server accepts (10 calls)', async () => {
    const { fetch, requests } = recordingFetch(batchOk);
    const client = createClient({ url: 'http://conduit.test', fetch });
    await Promise.all(Array.from({ length: 11 }, () => client.tag.list.query({})));
    expect(requests.map((r) => r.url.pathname.split(',').length)).toEqual([10, 1]);
  });

  it('sends the token as "Authorization: Bearer", reading a token function before each call', async () => {
    const { fetch, requests } = recordingFetch(batchOk);
    let token: string | undefined;
    const client = createClient({
      url: 'http://conduit.test',
      fetch,
      token: () => token,
      headers: { 'x-request-id': 'r1' },
    });
    await client.tag.list.query({});
    token = 'secret';
    await client.tag.list.query({});
    expect(requests.map((r) => r.headers.get('authorization'))).toEqual([null, 'Bearer secret']);
    expect(requests.map((r) => r.headers.get('x-request-id'))).toEqual(['r1', 'r1']);
  });

  it('sends mutations as POST with a JSON body', async () => {
    const { fetch, requests } = recordingFetch(() => ({
      body: JSON.stringify([{ result: { data: { ok: true } } }]),
    }));
    const client = createClient({ url: 'http://conduit.test', fetch, token: 't' });
    expect(await client.auth.logout.mutate()).toEqual({ ok: true });
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url.pathname).toBe('/trpc/auth.logout');
  });

  it('sends the token and headers with subscriptions too (in Node)', async () => {
    const { fetch, requests } = recordingFetch(() => ({
      body: 'event: connected\ndata: {}\n\nid: 7\ndata: {"id":7,"body":"hi"}\n\n',
    }));
    const client = createClient({
      url: 'http://conduit.test',
      fetch,
      token: 'secret',
      headers: { 'x-request-id': 'r1' },
    });
    const received = await new Promise<unknown>((resolve, reject) => {
      const subscription = client.comment.onCreated.subscribe(
        { slug: 'live' },
        {
          onData: (event) => {
            subscription.unsubscribe();
            resolve(event);
          },
          onError: reject,
        },
      );
    });
    expect(received).toMatchObject({ id: '7', data: { id: 7, body: 'hi' } });
    const [request] = requests;
    expect(request?.url.pathname).toBe('/trpc/comment.onCreated');
    expect(JSON.parse(request?.url.searchParams.get('input') ?? 'null')).toEqual({ slug: 'live' });
    expect(request?.headers.get('authorization')).toBe('Bearer secret');
    expect(request?.headers.get('x-request-id')).toBe('r1');
    expect(request?.headers.get('accept')).toBe('text/event-stream');
  });
});

describe('errors', () => {
  it('surfaces the code, status and field errors of a failed call', async () => {
    const data = {
      code: 'BAD_REQUEST',
      httpStatus: 400,
      path: 'article.create',
      fieldErrors: { title: ['must not be empty'] },
    };
    const { fetch } = recordingFetch(() => ({
      status: 400,
      body: JSON.stringify([{ error: { code: -32600, message: 'Invalid input', data } }]),
    }));
    const client = createClient({ url: 'http://conduit.test', fetch, token: 't' });
    const error = await client.article.create
      .mutate({ title: '', description: '', body: 'x', tagList: [] })
      .catch((e: unknown) => e);
    expect(isConduitError(error)).toBe(true);
    expect(conduitErrorInfo(error)).toEqual({
      code: 'BAD_REQUEST',
      httpStatus: 400,
      message: 'Invalid input',
      fieldErrors: { title: ['must not be empty'] },
      retryAfterSeconds: undefined,
    });
  });

  it('has no code when the server was not reached', async () => {
    const client = createClient({
      url: 'http://conduit.test',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const error = await client.tag.list.query({}).catch((e: unknown) => e);
    expect(conduitErrorInfo(error)).toMatchObject({ code: undefined, message: 'fetch failed' });
    expect(conduitErrorInfo(new Error('other'))).toBeUndefined();
  });
});

describe('trpcUrl', () => {
  it('appends /trpc to the origin, with or without a trailing slash', () => {
    expect(trpcUrl('http://localhost:3000')).toBe('http://localhost:3000/trpc');
    expect(trpcUrl('http://localhost:3000/')).toBe('http://localhost:3000/trpc');
  });
});
