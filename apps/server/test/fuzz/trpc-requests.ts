// Requests to /trpc for every procedure of the router: queries by GET with `?input=`, mutations by
// POST bodies, subscriptions as event streams, the wrong method now and then, and batches.
import { appRouter, describeProcedures, type ProcedureReference } from '@conduit/api';
import fc from 'fast-check';
import { inputValue, type JsonSchema, type WorldValues } from './inputs';
import { encodeJson, type Json, objectOf, raw, wrongValue } from './json';
import {
  type Actor,
  actor,
  actorFor,
  bodyText,
  type FuzzRequest,
  jsonBody,
  queryNoise,
  queryString,
  queryValue,
} from './wire';

/** Every procedure of the router, with the JSON Schema of its input. */
export const PROCEDURES: ProcedureReference[] = describeProcedures(appRouter);

const schemaOf = (procedure: ProcedureReference) => procedure.input as JsonSchema | null;

/** The `input` query parameter(s) for an input, or none. */
function inputQuery(input: Json | undefined): fc.Arbitrary<string[]> {
  if (input === undefined)
    return fc.constantFrom([], ['input='], ['input=undefined'], ['input=null']);
  return fc
    .tuple(
      bodyText(input).chain(queryValue),
      queryNoise,
      fc.constantFrom('once', 'once', 'once', 'twice'),
    )
    .map(([value, noise, times]) => [
      `input=${value}`,
      ...(times === 'twice' ? [`input=${value}`] : []),
      ...noise,
    ]);
}

function get(target: string, who: Actor, query: string[], stream = false): FuzzRequest {
  return {
    surface: 'trpc',
    target,
    method: 'GET',
    url: `/trpc/${target}${queryString(query)}`,
    actor: who,
    headers: {},
    ...(stream ? { stream } : {}),
  };
}

function withBody(
  method: string,
  target: string,
  who: Actor,
  query: string[],
  body: { body?: string; headers: Record<string, string> },
): FuzzRequest {
  return {
    surface: 'trpc',
    target,
    method,
    url: `/trpc/${target}${queryString(query)}`,
    actor: who,
    headers: body.headers,
    ...(body.body === undefined ? {} : { body: body.body }),
  };
}

/** A well-formed mutation as the web app sends it: a JSON body, by the given actor. */
export function mutationRequest(path: string, input: Json, who: Actor): FuzzRequest {
  return withBody('POST', path, who, [], {
    body: encodeJson(input),
    headers: { 'content-type': 'application/json' },
  });
}

/** What a subscription may send besides its input (EventSource sends no headers). */
const connectionParams: fc.Arbitrary<string[]> = fc.oneof(
  { arbitrary: fc.constant<string[]>([]), weight: 6 },
  {
    arbitrary: fc
      .oneof(fc.constantFrom<Json>({ token: 'x' }, [1], null, '{', raw('{"a":')), wrongValue)
      .chain((value) => queryValue(encodeJson(value)))
      .map((value) => ['connectionParams=1', `connectionParams=${value}`]),
    weight: 1,
  },
);

/** One call of one procedure, by the method its kind takes (or, sometimes, another). */
export function procedureCall(
  procedure: ProcedureReference,
  world: WorldValues,
): fc.Arbitrary<FuzzRequest> {
  const path = procedure.path;
  const inQuery = inputValue(schemaOf(procedure), { world, inBody: false });
  const inBody = inputValue(schemaOf(procedure), { world, inBody: true });
  const subscription = procedure.kind === 'subscription';
  const actor = actorFor(procedure.access);
  const byQuery = fc
    .tuple(
      actor,
      inQuery.chain(inputQuery),
      subscription ? connectionParams : fc.constant<string[]>([]),
    )
    .map(([who, query, params]) => get(path, who, [...query, ...params], subscription));
  const byBody = (method: string) =>
    fc
      .tuple(actor, inBody.chain(jsonBody), queryNoise)
      .map(([who, body, noise]) => withBody(method, path, who, noise, body));
  const otherMethod = fc.constantFrom('PUT', 'PATCH', 'DELETE').chain(byBody);
  if (procedure.kind === 'mutation') {
    return fc.oneof(
      { arbitrary: byBody('POST'), weight: 12 },
      { arbitrary: byQuery, weight: 1 },
      { arbitrary: otherMethod, weight: 1 },
    );
  }
  return fc.oneof(
    { arbitrary: byQuery, weight: 12 },
    { arbitrary: byBody('POST'), weight: 1 },
    { arbitrary: otherMethod, weight: 1 },
  );
}

/** Calls of any procedure, each procedure about as often as the others. */
export function singleCalls(
  world: WorldValues,
  kinds: ProcedureReference['kind'][],
): fc.Arbitrary<FuzzRequest> {
  const procedures = PROCEDURES.filter((p) => kinds.includes(p.kind));
  return fc.oneof(...procedures.map((p) => procedureCall(p, world)));
}

// Batches ----------------------------------------------------------------------------------------

const queries = PROCEDURES.filter((p) => p.kind === 'query');
const mutations = PROCEDURES.filter((p) => p.kind === 'mutation');

/** A path in a batch: a procedure, or (rarely) no procedure at all. */
const oddPath = fc.constantFrom(
  'nope.x',
  '',
  'article',
  'article.get ',
  'ARTICLE.GET',
  '__proto__',
  'constructor',
);

function batchOf(procedures: ProcedureReference[], world: WorldValues, inBody: boolean) {
  const one = fc
    .constantFrom(...procedures)
    .chain((p) =>
      inputValue(schemaOf(p), { world, inBody }).map((input) => ({ path: p.path, input })),
    );
  const odd = oddPath.map((path) => ({ path, input: undefined as Json | undefined }));
  return fc.oneof(
    {
      arbitrary: fc.array(fc.oneof({ arbitrary: one, weight: 9 }, { arbitrary: odd, weight: 1 }), {
        minLength: 1,
        maxLength: 4,
      }),
      weight: 8,
    },
    // Past TRPC_MAX_BATCH_SIZE (10 by default).
    { arbitrary: fc.array(one, { minLength: 11, maxLength: 12 }), weight: 1 },
  );
}

/** The batch's inputs as tRPC expects them, `{"0": ..., "1": ...}`, or as clients get it wrong. */
function batchInput(calls: { input: Json | undefined }[]): fc.Arbitrary<Json> {
  const keyed = objectOf(
    calls.flatMap(({ input }, i): [string, Json][] =>
      input === undefined ? [] : [[String(i), input]],
    ),
  );
  const inputs = calls.map(({ input }) => input ?? null);
  return fc.oneof(
    { arbitrary: fc.constant<Json>(keyed), weight: 10 },
    {
      arbitrary: fc.constantFrom<Json>(
        inputs,
        objectOf([
          ['-1', inputs[0] ?? null],
          ['00', null],
        ]),
        'text',
        null,
      ),
      weight: 1,
    },
  );
}

/** `/trpc/a,b?batch=1&input=...` by GET for queries, by POST for mutations (mixing sometimes). */
export function batchCalls(world: WorldValues): fc.Arbitrary<FuzzRequest> {
  const batches = fc.oneof(
    {
      arbitrary: batchOf(queries, world, false).map((calls) => ({ calls, method: 'GET' })),
      weight: 5,
    },
    {
      arbitrary: batchOf(mutations, world, true).map((calls) => ({ calls, method: 'POST' })),
      weight: 5,
    },
    {
      arbitrary: fc.constantFrom('GET', 'POST').chain((method) =>
        batchOf([...queries, ...mutations], world, method === 'POST').map((calls) => ({
          calls,
          method,
        })),
      ),
      weight: 1,
    },
  );
  // httpBatchStreamLink asks for the answers as a stream of JSON lines.
  const streamed = fc.oneof(
    { arbitrary: fc.constant(false), weight: 3 },
    { arbitrary: fc.constant(true), weight: 1 },
  );
  return fc
    .tuple(actor, batches, fc.constantFrom('batch=1', 'batch=1', 'batch=true', 'batch=0'), streamed)
    .chain(([who, { calls, method }, batchFlag, jsonl]) => {
      const target = calls.map((call) => call.path).join(',');
      const request = batchInput(calls).chain((input) =>
        method === 'GET'
          ? inputQuery(input).map((query) => get(target, who, [batchFlag, ...query]))
          : jsonBody(input).map((body) => withBody('POST', target, who, [batchFlag], body)),
      );
      return jsonl
        ? request.map((r) => ({
            ...r,
            headers: { ...r.headers, 'trpc-accept': 'application/jsonl' },
          }))
        : request;
    });
}
