/**
 * The typed client for Conduit's tRPC API, for Node and the browser. It imports only *types* from
 * @conduit/api, so no server code ends up in a bundle (scripts/check-bundle.mjs proves it), nor in
 * the published declarations (scripts/build.mjs, src/router.ts).
 */
import type { FieldErrors } from '@conduit/api';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import type { EventSourceLike } from '@trpc/server/unstable-core-do-not-import';
// Fetch-based and free of Node built-ins: safe in a browser bundle, and unlike a browser's own
// EventSource it can send the Authorization header.
import { EventSource as FetchEventSource } from 'eventsource';

import type { AppRouter } from './router';

export type { FieldErrors } from '@conduit/api';
export type { AppRouter, RouterInputs, RouterOutputs } from './router';
export { TRPCClientError };

/** The server's largest batch (TRPC_MAX_BATCH_SIZE): larger ones are split into several requests. */
const MAX_BATCH_ITEMS = 10;
/** Batched queries travel in the URL; past this length the batch is split (proxies cap URLs at 4-8 KiB). */
const MAX_URL_LENGTH = 4000;

type Awaitable<T> = T | Promise<T>;
type Fetch = typeof globalThis.fetch;

export interface ClientOptions {
  /** The server's origin, e.g. `http://localhost:3000`; the client calls `<url>/trpc`. */
  url: string;
  /**
   * A session token (from `auth.register` or `auth.login`) or a personal access token, sent as
   * `Authorization: Bearer <token>`; or a function returning the current one, read before every
   * request. Browsers' own EventSource cannot send headers: there subscriptions are authenticated
   * by the session cookie.
   */
  token?: string | null | (() => Awaitable<string | null | undefined>);
  /** Extra headers for every request (and subscription, where the EventSource can send them). */
  headers?: Record<string, string> | (() => Awaitable<Record<string, string>>);
  /** The fetch to use (defaults to the global one); subscriptions through the `eventsource` package use it too. */
  fetch?: Fetch;
  /** The EventSource class for subscriptions; by default the browser's own, else the `eventsource` package's. */
  EventSource?: EventSourceLike.AnyConstructor;
}

export type ConduitClient = ReturnType<typeof createTRPCClient<AppRouter>>;

/** The origin plus `/trpc`, whatever trailing slashes the origin came with. */
export function trpcUrl(origin: string): string {
  return `${origin.replace(/\/+$/, '')}/trpc`;
}

/** The headers a request carries: the caller's extra ones, then the token's Authorization. */
async function requestHeaders(options: ClientOptions): Promise<Record<string, string>> {
  const extra = typeof options.headers === 'function' ? await options.headers() : options.headers;
  const token = typeof options.token === 'function' ? await options.token() : options.token;
  return { ...extra, ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

/**
 * A browser (or worker) uses its own EventSource, which sends the session cookie. Node (20 has no
 * EventSource; later ones have one that cannot send headers) uses the `eventsource` package's.
 */
function defaultEventSource(): EventSourceLike.AnyConstructor {
  const native = (globalThis as { EventSource?: EventSourceLike.AnyConstructor }).EventSource;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  return native && !isNode ? native : FetchEventSource;
}

/** Options for each subscription's EventSource: a fetch that adds our headers (ignored by browsers' own). */
async function eventSourceInit(options: ClientOptions) {
  const headers = await requestHeaders(options);
  const baseFetch = options.fetch ?? globalThis.fetch;
  const fetchWithHeaders: Fetch = (input, init) => {
    const merged = new Headers(init?.headers);
    for (const [name, value] of Object.entries(headers)) merged.set(name, value);
    return baseFetch(input, { ...init, headers: merged });
  };
  return { withCredentials: true, fetch: fetchWithHeaders };
}

/**
 * A fully typed client: `client.article.list.query({ limit: 10 })`. Queries and mutations go in
 * batches over HTTP; subscriptions (`client.comment.onCreated.subscribe`) over server-sent events.
 */
export function createClient(options: ClientOptions): ConduitClient {
  const url = trpcUrl(options.url);
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource: options.EventSource ?? defaultEventSource(),
          eventSourceOptions: () => eventSourceInit(options),
        }),
        false: httpBatchLink({
          url,
          maxItems: MAX_BATCH_ITEMS,
          maxURLLength: MAX_URL_LENGTH,
          headers: () => requestHeaders(options),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
      }),
    ],
  });
}

// Errors -----------------------------------------------------------------------------------------

/** An error from a Conduit call: its `data` carries the code, HTTP status and field errors. */
export type ConduitError = TRPCClientError<AppRouter>;

export function isConduitError(error: unknown): error is ConduitError {
  return error instanceof TRPCClientError;
}

type ErrorData = NonNullable<ConduitError['data']>;

/** What a caller usually needs of a failure; `code` is undefined when the server was not reached. */
export interface ConduitErrorInfo {
  code: ErrorData['code'] | undefined;
  httpStatus: number | undefined;
  message: string;
  /** Per-field messages for invalid input (`BAD_REQUEST`) or taken values (`CONFLICT`). */
  fieldErrors: FieldErrors | undefined;
  /** When to try again after `TOO_MANY_REQUESTS`. */
  retryAfterSeconds: number | undefined;
}

/** The parts of a failed call's error worth showing; undefined when `error` is not one. */
export function conduitErrorInfo(error: unknown): ConduitErrorInfo | undefined {
  if (!isConduitError(error)) return undefined;
  const data = error.data;
  return {
    code: data?.code,
    httpStatus: data?.httpStatus,
    message: error.message,
    fieldErrors: data?.fieldErrors,
    retryAfterSeconds: data?.retryAfterSeconds,
  };
}
