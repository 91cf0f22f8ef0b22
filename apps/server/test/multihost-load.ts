// Clients for the multi-host test: HTTP/2 over TLS to the edge (nginx) as browsers come, HTTP/1.1
// straight to one server process (inside the topology, as a test may), and a bounded mixed load of
// reads and writes that records every answer. Every client speaks from an address of its own on
// the bridge, rotated every SESSION_REQUESTS requests: the servers limit requests per client
// address (RATE_LIMIT_MAX a minute), and a load from one address would soon be refused.
import { request as httpRequest } from 'node:http';
import { type ClientHttp2Session, connect as h2Connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** How long a request may take before it counts as failed (0): above the 10 s nginx allows retries. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Requests on one client address before the next; see the note at the top. */
const SESSION_REQUESTS = 50;

export interface Answer {
  /** 0 when no HTTP answer came (refused, reset, timed out): `text` says why. */
  status: number;
  text: string;
  /** The `name=value` pairs of the cookies it set, if any. */
  cookies?: string[];
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  token?: string;
  from?: string;
  headers?: Record<string, string>;
}

/** Client addresses handed out in turn. */
export class AddressPool {
  private next = 0;
  constructor(private readonly addresses: string[]) {}
  take(): string {
    const address = this.addresses[this.next++ % this.addresses.length];
    if (!address) throw new Error('no client addresses');
    return address;
  }
}

/** One request on a connection of its own, straight to `origin` over HTTP/1.1. */
export function direct(origin: string, path: string, options: RequestOptions = {}) {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise<Answer>((resolve) => {
    const request = httpRequest(
      `${origin}${path}`,
      {
        method: options.method ?? 'GET',
        agent: false,
        localAddress: options.from,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Token ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            text,
            cookies: cookiesOf(response.headers['set-cookie']),
          }),
        );
        response.on('error', (error) => resolve({ status: 0, text: String(error) }));
      },
    );
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error('no answer in time')));
    request.on('error', (error) => resolve({ status: 0, text: String(error) }));
    request.end(body);
  });
}

/**
 * A browser-like client of the edge: one HTTP/2 session over TLS (checked against `ca`) from one
 * client address, replaced by a session from the next address every SESSION_REQUESTS requests.
 */
export class EdgeClient {
  private session: ClientHttp2Session | undefined;
  private used = 0;
  constructor(
    private readonly origin: string,
    private readonly ca: Buffer,
    private readonly addresses: AddressPool,
  ) {}

  /** A session of its own from a fixed address, e.g. to count one client's requests. */
  static from(origin: string, ca: Buffer, address: string): ClientHttp2Session {
    const { hostname, port } = new URL(origin);
    return h2Connect(origin, {
      createConnection: () =>
        tlsConnect({
          // The TCP connection from the client's own address; TLS checks the edge's address.
          socket: netConnect({ host: hostname, port: Number(port), localAddress: address }),
          host: hostname,
          ca,
          ALPNProtocols: ['h2'],
        }),
    });
  }

  /** The current session, replaced after SESSION_REQUESTS or when it broke. */
  sessionNow(): ClientHttp2Session {
    if (
      !this.session ||
      this.session.closed ||
      this.session.destroyed ||
      this.used >= SESSION_REQUESTS
    ) {
      this.session?.close();
      this.session = EdgeClient.from(this.origin, this.ca, this.addresses.take());
      this.session.on('error', () => {});
      this.used = 0;
    }
    this.used += 1;
    return this.session;
  }

  send(path: string, options: RequestOptions = {}): Promise<Answer> {
    return h2Send(this.sessionNow(), path, options);
  }

  close(): void {
    this.session?.close();
  }
}

/** The `name=value` part of each Set-Cookie header. */
function cookiesOf(header: string | string[] | undefined): string[] {
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.map((line) => line.split(';')[0] ?? '').filter(Boolean);
}

/** One request on an HTTP/2 session; a broken stream or no answer in time is status 0. */
export function h2Send(
  session: ClientHttp2Session,
  path: string,
  options: RequestOptions = {},
): Promise<Answer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve) => {
    let stream: ReturnType<ClientHttp2Session['request']>;
    try {
      stream = session.request({
        ':method': options.method ?? 'GET',
        ':path': path,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Token ${options.token}` } : {}),
        ...options.headers,
      });
    } catch (error) {
      resolve({ status: 0, text: String(error) });
      return;
    }
    let status = 0;
    let text = '';
    let cookies: string[] = [];
    stream.setTimeout(REQUEST_TIMEOUT_MS, () => stream.close());
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
      cookies = cookiesOf(headers['set-cookie']);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('close', () =>
      resolve(status ? { status, text, cookies } : { status: 0, text: text || 'closed' }),
    );
    stream.on('error', (error) => {
      text = String(error);
      status = 0;
    });
    stream.end(body);
  });
}

export interface Sent {
  kind: 'read' | 'write' | 'read-your-write';
  method: string;
  path: string;
  /** Where it went: 'edge' or an instance's name. */
  via: string;
  status: number;
  text: string;
  /** When it was sent, and when its answer came (or it failed). */
  sentAt: number;
  at: number;
}

export interface LoadOptions {
  /** The edge's clients, one per concurrent loop. */
  clients: EdgeClient[];
  /** The server processes, by name and origin, for reads straight after writes. */
  instances: () => { name: string; origin: string }[];
  addresses: AddressPool;
  /** The writers' tokens, and paths to read. */
  token: string;
  readPaths: string[];
  /** Every how many operations of a loop one is a write (article created, then read back). */
  writeEvery: number;
  /** At most this many operations per loop, and never beyond `maxMs`: the load stops itself. */
  maxPerClient: number;
  maxMs: number;
}

let titles = 0;

/**
 * Starts the mixed load: each loop reads (GETs through the edge), and every `writeEvery`th
 * operation creates an article through the edge and at once reads it back from one of the server
 * processes directly, in turn (read-your-writes through another instance than the one that may
 * have written it). Resolves `stop()` with every answer.
 */
export function startMixedLoad(options: LoadOptions) {
  const sent: Sent[] = [];
  const acknowledged: string[] = [];
  let going = true;
  const started = Date.now();
  let turn = 0;
  /** Sends one request and records its answer, when it was sent and when it was answered. */
  const record = async (
    what: Pick<Sent, 'kind' | 'method' | 'path' | 'via'>,
    request: () => Promise<Answer>,
  ): Promise<Answer> => {
    const sentAt = Date.now();
    const answer = await request();
    sent.push({ ...what, ...answer, sentAt, at: Date.now() });
    return answer;
  };
  const loops = options.clients.map(async (client, n) => {
    for (let op = 0; going && op < options.maxPerClient; op++) {
      if (Date.now() - started > options.maxMs) break;
      if ((op + n) % options.writeEvery === 0) {
        const title = `Under load ${process.pid} ${++titles}`;
        const path = '/api/articles';
        const answer = await record({ kind: 'write', method: 'POST', path, via: 'edge' }, () =>
          client.send(path, {
            method: 'POST',
            token: options.token,
            body: { article: { title, description: 'd', body: 'b', tagList: [] } },
          }),
        );
        if (answer.status !== 201 && answer.status !== 200) continue;
        const { slug } = (JSON.parse(answer.text) as { article: { slug: string } }).article;
        acknowledged.push(slug);
        const instances = options.instances();
        const reader = instances[turn++ % instances.length];
        if (!reader) continue;
        const readBack = `/api/articles/${slug}`;
        await record(
          { kind: 'read-your-write', method: 'GET', path: readBack, via: reader.name },
          () =>
            direct(reader.origin, readBack, {
              token: options.token,
              from: options.addresses.take(),
            }),
        );
      } else {
        const path = options.readPaths[(op + n) % options.readPaths.length] ?? '/api/tags';
        await record({ kind: 'read', method: 'GET', path, via: 'edge' }, () => client.send(path));
      }
    }
  });
  return {
    sent,
    acknowledged,
    /** Resolves once `count` answers are in (in all), or fails after `ms`: the load is bounded. */
    async reached(count: number, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (sent.length < count) {
        if (Date.now() > deadline || !going) {
          throw new Error(`the load gave ${sent.length} answers, not ${count}, in ${ms} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      going = false;
      await Promise.all(loops);
      return { sent, acknowledged };
    },
  };
}

/** A line per answer that is not a 2xx, for a failure message. */
export function failuresOf(sent: Sent[]): string[] {
  return sent
    .filter((one) => one.status < 200 || one.status > 299)
    .map(
      (one) =>
        `${one.kind} ${one.method} ${one.path} via ${one.via}: ${one.status} ${one.text.slice(0, 160)}`,
    );
}

/** Counts by kind and status, for the printed summary. */
export function tally(sent: Sent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const one of sent) {
    const key = `${one.kind} ${one.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
