// The lean tRPC transport: queries and mutations, single or batched, answered straight from
// Fastify's request and reply, without the Fetch API objects the official adapter builds for each
// request (a Request with its Headers, URL and AbortSignal, then a Response whose body the reply
// has to read back). Everything else the protocol has — subscriptions over SSE, JSONL streaming,
// form data, method override, HEAD, and every request it would refuse before calling a procedure
// — is not ours: `tryLean` answers false and the official handler takes the request, so those
// answers are tRPC's own by construction (decision 035).
import type { AnyProcedure, AnyRouter, TRPCError } from '@trpc/server';
import type { TRPCRequestInfo } from '@trpc/server/http';
import {
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
} from '@trpc/server/unstable-core-do-not-import';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendJsonText } from './send-json-text';
import { trpcQuery } from './trpc-query';

type Context = object;
type ProcedureType = 'query' | 'mutation';

/** The options the official handler takes, as far as this transport needs them. */
export interface LeanTransportOptions<TContext extends Context> {
  router: AnyRouter;
  maxBatchSize: number;
  createContext: (opts: {
    req: FastifyRequest;
    res: FastifyReply;
    info: TRPCRequestInfo;
  }) => Promise<TContext>;
  // biome-ignore lint/suspicious/noExplicitAny: tRPC's own option types are generic over its internals
  responseMeta?: (opts: any) => { headers?: Record<string, string>; status?: number };
  onError?: (opts: {
    error: TRPCError;
    path: string;
    input: unknown;
    ctx: TContext | undefined;
    type: ProcedureType;
    req: FastifyRequest;
  }) => void;
}

interface Call {
  path: string;
  procedure: AnyProcedure;
  input: unknown;
}

/** The same `vary` the official adapter sends, so caches treat both answers alike. */
const VARY = 'trpc-accept, accept';
const METHOD: Record<ProcedureType, string> = { query: 'GET', mutation: 'POST' };
/** What readCalls says of a request naming a procedure it has not found yet. */
const LOOK_UP = Symbol('look up the procedures');

/**
 * Answers the request and resolves true, or resolves false without touching it (nothing read from
 * the body stream, no context made) when the official handler has to.
 */
export function leanTransport<TContext extends Context>(opts: LeanTransportOptions<TContext>) {
  const { router } = opts;
  const config = router._def._config;
  /** Procedures by path, once found (only those: paths that name none are anyone's to make up). */
  const found = new Map<string, AnyProcedure>();
  /**
   * The calls the request asks for, or undefined when it is not for this transport, or LOOK_UP
   * when it names a procedure not found yet. Not async: a promise and its turn on every request
   * would be for the first request of each procedure only.
   */
  function readCalls(
    req: FastifyRequest,
    path: string,
  ): { calls: Call[]; batch: boolean } | undefined | typeof LOOK_UP {
    if (req.method !== 'GET' && req.method !== 'POST') return;
    if (req.headers['trpc-accept'] !== undefined) return;
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && !isJson(contentType)) return;
    if (req.method === 'POST' && contentType === undefined) return;
    if (path.includes('%')) return;
    const query = trpcQuery(req);
    if (query.has('connectionParams')) return;
    const batch = query.get('batch') === '1';
    const paths = batch ? path.split(',') : [path];
    if (paths.length > opts.maxBatchSize) return;

    const text = req.method === 'GET' ? query.get('input') : req.body;
    if (text !== null && text !== undefined && typeof text !== 'string') return;
    let inputs: unknown;
    if (text) {
      try {
        inputs = JSON.parse(text);
      } catch {
        return;
      }
    }
    if (batch && inputs !== undefined && (typeof inputs !== 'object' || inputs === null)) return;

    const calls: Call[] = [];
    let type: string | undefined;
    for (let index = 0; index < paths.length; index += 1) {
      const callPath = paths[index] as string;
      const procedure = found.get(callPath);
      if (!procedure) return LOOK_UP;
      const callType = procedure._def.type;
      if (callType !== 'query' && callType !== 'mutation') return;
      if (type !== undefined && type !== callType) return;
      if (req.method !== METHOD[callType]) return;
      type = callType;
      const raw = batch ? (inputs as Record<number, unknown> | undefined)?.[index] : inputs;
      calls.push({
        path: callPath,
        procedure,
        input: raw === undefined ? undefined : config.transformer.input.deserialize(raw),
      });
    }
    return { calls, batch };
  }

  /** Finds the procedures `path` names (one, or a batch's), keeping those found. */
  async function lookUp(path: string): Promise<void> {
    for (const name of path.split(',')) {
      if (found.has(name)) continue;
      const procedure = await getProcedureAtPath(router, name);
      if (procedure) found.set(name, procedure);
    }
  }

  return async function tryLean(
    req: FastifyRequest,
    reply: FastifyReply,
    path: string,
  ): Promise<boolean> {
    let request = readCalls(req, path);
    if (request === LOOK_UP) {
      await lookUp(path);
      request = readCalls(req, path);
    }
    if (!request || request === LOOK_UP) return false;
    const { calls, batch } = request;
    const type = calls[0]?.procedure._def.type as ProcedureType;

    const info = new RequestInfo(reply, calls, batch, type);
    let ctx: TContext | undefined;
    let contextError: TRPCError | undefined;
    try {
      ctx = await opts.createContext({ req, res: reply, info });
    } catch (cause) {
      contextError = getTRPCErrorFromUnknown(cause);
    }

    const run = async (call: Call, batchIndex: number) => {
      try {
        if (contextError) throw contextError;
        const data: unknown = await call.procedure({
          path: call.path,
          getRawInput: async () => call.input,
          ctx,
          type,
          signal: undefined,
          batchIndex,
        });
        return { data };
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        opts.onError?.({ error, path: call.path, input: call.input, ctx, type, req });
        return { error };
      }
    };
    const [single] = calls;
    const outcomes =
      calls.length === 1 && single ? [await run(single, 0)] : await Promise.all(calls.map(run));

    const errors = outcomes.map((outcome) => outcome.error);
    const untransformed = outcomes.map((outcome, index) => {
      const call = calls[index] as Call;
      return outcome.error
        ? {
            error: getErrorShape({
              config,
              ctx,
              error: outcome.error,
              input: call.input,
              path: call.path,
              type,
            }),
          }
        : { result: { data: outcome.data } };
    });
    // What tRPC's transformTRPCResponse makes of these two shapes, as literals: its object-spread
    // helper cost about 8 µs an answer, more than parsing the input (a CPU profile of profile.get).
    const { output } = config.transformer;
    const items = untransformed.map((item) =>
      'error' in item
        ? { error: output.serialize(item.error) }
        : { result: { data: output.serialize(item.result.data) } },
    );
    const body = batch ? untransformed : untransformed[0];
    let status = getHTTPStatusCode(body as never, errors as never);
    reply.header('vary', VARY);
    reply.header('content-type', 'application/json');
    const meta = opts.responseMeta?.({
      ctx,
      info,
      paths: calls.map((call) => call.path),
      data: untransformed,
      errors: errors.filter(Boolean),
      eagerGeneration: false,
      type,
    });
    if (meta?.headers) {
      for (const [name, value] of Object.entries(meta.headers)) reply.header(name, value);
    }
    if (meta?.status) status = meta.status;
    // A reply starts at 200: most answers need no call to set it.
    if (status !== reply.statusCode) reply.code(status);
    sendJsonText(reply, JSON.stringify(batch ? items : items[0]));
    return true;
  };
}

/**
 * What tRPC tells createContext and responseMeta about the request, its two costly fields made
 * only if something asks (neither our context nor responseMeta does). A class, with them on its
 * prototype: as an object literal with two getters (two closures a request), a server answering
 * profile.get kept three times as much alive across each young-generation collection as REST, and
 * those pauses doubled (`--trace-gc-nvp`: 1.5 MB promoted per scavenge against 0.5 MB, 6-7 ms
 * against 3-4); as a class, as much as REST.
 */
class RequestInfo implements TRPCRequestInfo {
  readonly accept = null;
  readonly connectionParams = null;
  readonly url = null;
  #signal: AbortSignal | undefined;

  constructor(
    private readonly reply: FastifyReply,
    private readonly leanCalls: Call[],
    readonly isBatchCall: boolean,
    readonly type: ProcedureType,
  ) {}

  get calls() {
    return this.leanCalls.map((call, batchIndex) => ({
      path: call.path,
      procedure: call.procedure,
      batchIndex,
      getRawInput: async () => call.input,
      result: () => call.input,
    }));
  }

  // No procedure of ours asks for it on a query or a mutation.
  get signal() {
    if (!this.#signal) {
      const controller = new AbortController();
      const raw = this.reply.raw;
      raw.once('close', () => {
        if (!raw.writableFinished) controller.abort();
      });
      this.#signal = controller.signal;
    }
    return this.#signal;
  }
}

function isJson(contentType: string) {
  return contentType.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}
