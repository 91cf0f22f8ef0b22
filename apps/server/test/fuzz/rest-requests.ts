// Requests to every operation of the REST API, read from its OpenAPI document (the one
// docs/openapi.json is generated from): path parameters, query parameters and bodies from their
// schemas, encoded oddly now and then; plus paths outside /api and /trpc.
import fc from 'fast-check';
import { fieldValue, inputValue, type JsonSchema, validValue, type WorldValues } from './inputs';
import { encodeJson, type Json, Raw, wildString } from './json';
import {
  actor,
  type Body,
  type FuzzRequest,
  jsonBody,
  pathSegment,
  percentEncode,
  queryNoise,
  queryString,
  queryValue,
} from './wire';

export interface RestOperation {
  method: string;
  /** As the document writes it: `/articles/{slug}`. */
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: JsonSchema }[];
  body: JsonSchema | null;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** Every operation of the document, under /api. */
export function restOperations(document: {
  paths?: Record<string, Record<string, OpenApiOperation>>;
}): RestOperation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      params: (operation.parameters ?? [])
        .filter((p) => p.in === 'path' || p.in === 'query')
        .map((p) => ({ name: p.name, in: p.in as 'path' | 'query', schema: p.schema ?? {} })),
      body: operation.requestBody?.content?.['application/json']?.schema ?? null,
    })),
  );
}

const asText = (value: Json) =>
  typeof value === 'string' ? value : value instanceof Raw ? value.text : encodeJson(value);

/** Parameters all valid (to reach the procedure), or each of any kind. */
type Mode = 'valid' | 'any';

function paramValue(schema: JsonSchema, name: string, world: WorldValues, mode: Mode) {
  const context = { world, inBody: false };
  return mode === 'valid' ? validValue(schema, name, context) : fieldValue(schema, name, context);
}

function pathFor(operation: RestOperation, world: WorldValues, mode: Mode): fc.Arbitrary<string> {
  const segments = operation.path.split('/').map((segment) => {
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    const param = operation.params.find((p) => p.in === 'path' && p.name === name);
    if (!param) return fc.constant(segment);
    const value = paramValue(param.schema, param.name, world, mode);
    return mode === 'valid' ? value.map((v) => percentEncode(asText(v))) : value.chain(pathSegment);
  });
  return fc.tuple(...segments).map((parts) => `/api${parts.join('/')}`);
}

function queryFor(
  operation: RestOperation,
  world: WorldValues,
  mode: Mode,
): fc.Arbitrary<string[]> {
  const pairs = operation.params
    .filter((p) => p.in === 'query')
    .map((p) => {
      const value = paramValue(p.schema, p.name, world, mode);
      if (mode === 'valid') {
        return fc.option(
          value.map((v) => [`${p.name}=${percentEncode(asText(v))}`]),
          { freq: 3 },
        );
      }
      const pair = fc
        .tuple(
          value.chain((v) => queryValue(asText(v))),
          fc.boolean(),
        )
        // Repeated keys arrive as an array.
        .map(([text, twice]) =>
          twice ? [`${p.name}=${text}`, `${p.name}=${text}`] : [`${p.name}=${text}`],
        );
      return fc.option(pair, { freq: 3 });
    });
  const noise =
    mode === 'valid'
      ? fc.constant([])
      : fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: queryNoise, weight: 1 });
  return fc
    .tuple(fc.tuple(...pairs), noise)
    .map(([present, extra]) => [...present.flatMap((pair) => pair ?? []), ...extra]);
}

function bodyFor(operation: RestOperation, world: WorldValues) {
  if (operation.body) return inputValue(operation.body, { world, inBody: true }).chain(jsonBody);
  // Routes without a body get none, mostly; RealWorld clients send an empty JSON one to follow.
  return fc.oneof(
    { arbitrary: fc.constant<Body>({ headers: {} }), weight: 6 },
    { arbitrary: fc.constantFrom<Json | undefined>(undefined, {}, 'x').chain(jsonBody), weight: 1 },
  );
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

/** Calls of one REST operation, by its own method mostly. */
export function restCall(operation: RestOperation, world: WorldValues): fc.Arbitrary<FuzzRequest> {
  const method = fc.oneof(
    { arbitrary: fc.constant(operation.method), weight: 12 },
    { arbitrary: fc.constantFrom(...OTHER_METHODS), weight: 1 },
  );
  const parts = fc
    .constantFrom<Mode>('valid', 'valid', 'any', 'any', 'any')
    .chain((mode) => fc.tuple(pathFor(operation, world, mode), queryFor(operation, world, mode)));
  return fc
    .tuple(actor, method, parts, bodyFor(operation, world))
    .map(([who, verb, [path, query], body]) => ({
      surface: 'rest',
      target: `${operation.method} ${operation.path}`,
      method: verb,
      url: `${path}${queryString(query)}`,
      actor: who,
      headers: body.headers,
      ...(body.body === undefined ? {} : { body: body.body }),
    }));
}

/** Calls of the operations that only read, or of those that write. */
export function restCalls(
  operations: RestOperation[],
  world: WorldValues,
  writes: boolean,
): fc.Arbitrary<FuzzRequest> {
  const chosen = operations.filter((o) => (o.method === 'GET') !== writes);
  return fc.oneof(...chosen.map((o) => restCall(o, world)));
}

// Everything else --------------------------------------------------------------------------------

const KNOWN_PATHS = [
  '/',
  '/healthz',
  '/readyz',
  '/metrics',
  '/docs',
  '/docs/',
  '/docs/json',
  '/api/openapi.json',
  '/openapi.json',
  '/assets/app-1a2b3c.js',
  '/assets/missing.js',
  '/assets/%2e%2e/%2e%2e/package.json',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2fetc%2fpasswd',
  '/trpc',
  '/trpc/',
  '/trpc/%2e%2e',
  '/api',
  '/api/',
  '/api/%2e%2e/healthz',
  '//',
  '/article/alice-first-article',
  '/profile/alice',
  '/favicon.ico',
  '/index.html',
  '/%00',
  '/%2500',
];

/** Paths outside the API's routes, and routes under odd methods and Accept headers. */
export const otherCalls: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    actor,
    fc.constantFrom(...OTHER_METHODS),
    fc.oneof(
      { arbitrary: fc.constantFrom(...KNOWN_PATHS), weight: 4 },
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...KNOWN_PATHS), wildString.chain(pathSegment))
          .map(([base, segment]) => `${base.replace(/\/$/, '')}/${segment}`),
        weight: 2,
      },
    ),
    fc.constantFrom('application/json', 'text/html,application/xhtml+xml', '*/*', ''),
    fc.oneof(
      { arbitrary: fc.constant<string[]>([]), weight: 3 },
      { arbitrary: queryNoise, weight: 1 },
    ),
  )
  .map(([who, method, path, accept, query]) => ({
    surface: 'other',
    target: path,
    method,
    url: `${path}${queryString(query)}`,
    actor: who,
    headers: accept ? { accept } : ({} as Record<string, string>),
  }));
