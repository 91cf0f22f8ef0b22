// Sends a generated request through app.inject() as its actor, and reads the answer: to its end,
// or for an event stream until it goes quiet, never longer than a deadline.
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Actor, FuzzRequest } from './wire';
import type { Signer } from './world';

export const HOST = 'localhost:3000';
export const OWN_ORIGIN = `http://${HOST}`;
export const COOKIE_NAME = 'conduit_session';

export interface Outcome {
  status: number;
  contentType: string;
  body: string;
  /** From the request's start to the end of its answer (or of the stream's first events). */
  ms: number;
  /** The answer had not ended by the deadline (it was cut there). */
  cut: boolean;
  requestId: string;
}

/** The headers that make `actor` who it is. */
export function credentials(actor: Actor, tokens: Record<Signer, string>): Record<string, string> {
  if (actor.who === 'anonymous') return {};
  if (actor.who === 'stranger') return { authorization: actor.authorization };
  const token = tokens[actor.who];
  switch (actor.via) {
    case 'token':
      return { authorization: `Token ${token}` };
    case 'bearer':
      return { authorization: `Bearer ${token}` };
    case 'cookie':
      return { cookie: `${COOKIE_NAME}=${token}`, origin: OWN_ORIGIN };
    case 'cookie-foreign':
      return { cookie: `${COOKIE_NAME}=${token}`, origin: 'https://evil.example' };
    case 'cookie-bare':
      return { cookie: `${COOKIE_NAME}=${token}` };
  }
}

/** An event stream is read until nothing came for this long (its first events are what matter). */
const STREAM_QUIET_MS = 100;

let sent = 0;

/**
 * Whether inject() can stand in for a socket here. The tRPC adapter reads a multipart body only
 * from a real socket (an IncomingMessage); given inject()'s stand-in it fails with a TypeError and
 * a 500, where the same request over HTTP is answered 400 (checked by hand).
 */
function injectable(request: FuzzRequest): boolean {
  const multipart = Object.values(request.headers).some((v) => v.startsWith('multipart/'));
  return !(multipart && request.url.startsWith('/trpc/'));
}

/** Sends the request; undefined when inject() cannot send it as a client would. */
export async function send(
  app: FastifyInstance,
  request: FuzzRequest,
  tokens: Record<Signer, string>,
  deadlineMs: number,
): Promise<Outcome | undefined> {
  if (!injectable(request)) return undefined;
  sent += 1;
  const requestId = `fuzz-${sent}`;
  const started = performance.now();
  let response: Awaited<ReturnType<FastifyInstance['inject']>>;
  try {
    response = await app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: {
        host: HOST,
        'x-request-id': requestId,
        ...request.headers,
        ...credentials(request.actor, tokens),
      },
      ...(request.body === undefined ? {} : { payload: request.body }),
      payloadAsStream: true,
    });
  } catch (error) {
    if (error instanceof TypeError || (error as { code?: string }).code?.startsWith('ERR_'))
      return undefined;
    throw error;
  }
  const contentType = String(response.headers['content-type'] ?? '');
  const isStream = contentType.startsWith('text/event-stream');
  const { text, cut } = await readBody(response.stream(), isStream, started + deadlineMs);
  const ms = performance.now() - started;
  // Ends a subscription still open, as a client going away would.
  (response.raw.res as unknown as { destroy(): void }).destroy();
  return { status: response.statusCode, contentType, body: text, ms, cut, requestId };
}

async function readBody(stream: Readable, isStream: boolean, deadline: number) {
  const chunks: Buffer[] = [];
  const cut = await new Promise<boolean>((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const finish = (wasCut: boolean) => {
      clearTimeout(quiet);
      clearTimeout(timer);
      resolve(wasCut);
    };
    const timer = setTimeout(() => finish(!isStream), Math.max(0, deadline - performance.now()));
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (isStream) {
        clearTimeout(quiet);
        quiet = setTimeout(() => finish(false), STREAM_QUIET_MS);
      }
    });
    stream.on('end', () => finish(false));
    stream.on('error', () => finish(false));
  });
  stream.destroy();
  return { text: Buffer.concat(chunks).toString('utf8'), cut };
}
