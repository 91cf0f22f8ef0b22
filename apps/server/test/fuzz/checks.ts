// What every answer must be: never a 5xx, never slow, errors in the documented shape of the
// surface that gave them, and cookie-authenticated changes from elsewhere refused.
import type { Outcome } from './send';
import type { FuzzRequest } from './wire';

/**
 * The statuses RealWorld's API answers failures with: 422 for every invalid request, and HTTP's
 * own for a body too large (413), of a type it does not read (415) or a path too long (414).
 */
const REST_ERROR_STATUSES = new Set([401, 403, 404, 405, 413, 414, 415, 422, 429]);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What an error message must never show: code, SQL, the database's own words. */
const INTERNALS =
  /node_modules|\.ts:\d+|\bat [\w$.<>]+ \(|postgres|pglite|drizzle|SQLSTATE|syntax error at|violates|invalid byte sequence|relation "|duplicate key/i;

type Problems = string[];

/**
 * What a procedure answers when PostgreSQL refused a value (a data exception, trpc.ts): a safety
 * net, so each time it catches something the input schemas let through a value they should not.
 */
const DATABASE_REFUSED = 'The input holds a value the database cannot store or compare';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const onlyKeys = (value: Record<string, unknown>, allowed: string[]) =>
  Object.keys(value).every((key) => allowed.includes(key));

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function checkMessage(message: string, problems: Problems): void {
  if (message.length === 0) problems.push('an empty error message');
  if (INTERNALS.test(message))
    problems.push(`an error message shows internals: ${message.slice(0, 200)}`);
}

/** RealWorld: `{"errors":{"body":["...", ...]}}` and one of its statuses. */
function checkRestError(status: number, value: unknown, problems: Problems): void {
  if (status < 500 && !REST_ERROR_STATUSES.has(status))
    problems.push(`REST answered ${status} (RealWorld uses 422 for invalid input)`);
  const errors = isObject(value) && onlyKeys(value, ['errors']) ? value.errors : undefined;
  const body = isObject(errors) && onlyKeys(errors, ['body']) ? errors.body : undefined;
  if (!Array.isArray(body) || body.length === 0 || !body.every((m) => typeof m === 'string')) {
    problems.push('not a RealWorld error body ({"errors":{"body":[string,...]}})');
    return;
  }
  for (const message of body) checkMessage(message as string, problems);
}

/** tRPC: `{ message, code, data: { code, httpStatus, path, fieldErrors? } }` (inside `error`). */
function checkTrpcShape(shape: unknown, status: number | undefined, problems: Problems): void {
  if (!isObject(shape) || !onlyKeys(shape, ['message', 'code', 'data'])) {
    problems.push('not a tRPC error shape ({ message, code, data })');
    return;
  }
  const { message, code, data } = shape;
  if (typeof message !== 'string' || typeof code !== 'number' || !isObject(data)) {
    problems.push('a tRPC error without a string message, a numeric code and data');
    return;
  }
  checkMessage(message, problems);
  if (!onlyKeys(data, ['code', 'httpStatus', 'path', 'fieldErrors', 'retryAfterSeconds'])) {
    problems.push(`tRPC error data with unexpected keys: ${Object.keys(data).join(', ')}`);
  }
  if (typeof data.code !== 'string' || typeof data.httpStatus !== 'number') {
    problems.push('tRPC error data without code and httpStatus');
  } else if (data.httpStatus >= 500) {
    problems.push(`a procedure failed with ${data.httpStatus} (${data.code})`);
  } else if (status !== undefined && data.httpStatus !== status) {
    problems.push(`tRPC error says httpStatus ${data.httpStatus}, the answer was ${status}`);
  }
  if (data.path !== undefined && typeof data.path !== 'string')
    problems.push('tRPC error path is not a string');
  if (data.fieldErrors !== undefined) {
    const fields = data.fieldErrors;
    const valid =
      isObject(fields) &&
      Object.values(fields).every((m) => Array.isArray(m) && m.every((s) => typeof s === 'string'));
    if (!valid) problems.push('tRPC fieldErrors is not { field: [string, ...] }');
  }
}

/** A tRPC answer: one `{ error }`, or a batch's array of `{ result }` and `{ error }`. */
function checkTrpcAnswer(status: number, value: unknown, problems: Problems): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isObject(item) && 'result' in item && onlyKeys(item, ['result'])) continue;
      if (isObject(item) && onlyKeys(item, ['error']))
        checkTrpcShape(item.error, undefined, problems);
      else problems.push('a batch item that is neither { result } nor { error }');
    }
    return;
  }
  if (status < 400) return;
  if (!isObject(value) || !onlyKeys(value, ['error'])) {
    problems.push('not a tRPC error ({ error: { message, code, data } })');
    return;
  }
  checkTrpcShape(value.error, status, problems);
}

/** The `serialized-error` events of a subscription's stream. */
function checkEventStream(text: string, problems: Problems): void {
  for (const event of text.split('\n\n')) {
    // Lines end at \n only: a message may hold U+2028, which JavaScript's `.` and `$` stop at.
    const lines = event.split('\n');
    if (!lines.includes('event: serialized-error')) continue;
    const data = lines.find((line) => line.startsWith('data: '))?.slice('data: '.length) ?? '';
    const parsed = parseJson(data);
    if (!parsed.ok) problems.push('a serialized-error event that is not JSON');
    else checkTrpcShape(parsed.value, undefined, problems);
  }
}

/** A streamed batch: JSON lines, with each call's `{ error }` somewhere in its line. */
function checkJsonLines(text: string, problems: Problems): void {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) {
      if (onlyKeys(value, ['error']) && isObject(value.error) && 'data' in value.error) {
        checkTrpcShape(value.error, undefined, problems);
      } else Object.values(value).forEach(visit);
    }
  };
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const parsed = parseJson(line);
    if (parsed.ok) visit(parsed.value);
    else problems.push('a streamed batch line that is not JSON');
  }
}

/** Outside /api and /trpc: `{ "error": { "code", "message" } }`. */
function checkAppError(value: unknown, problems: Problems): void {
  const error = isObject(value) && onlyKeys(value, ['error']) ? value.error : undefined;
  if (
    !isObject(error) ||
    !onlyKeys(error, ['code', 'message']) ||
    typeof error.code !== 'string' ||
    typeof error.message !== 'string'
  ) {
    problems.push('not the app error shape ({ "error": { "code", "message" } })');
    return;
  }
  checkMessage(error.message, problems);
}

/** The path the server sees: inject() parses the URL as browsers do, resolving `%2e%2e` segments. */
function pathOf(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return url.split('?')[0] ?? '';
  }
}
const under = (url: string, prefix: string) =>
  pathOf(url) === prefix || pathOf(url).startsWith(`${prefix}/`);

/** The answer's shape, by where the request went. */
function checkShape(request: FuzzRequest, outcome: Outcome, problems: Problems): void {
  if (request.method === 'HEAD') return;
  if (outcome.contentType.startsWith('text/event-stream')) {
    checkEventStream(outcome.body, problems);
    return;
  }
  const isTrpc = under(request.url, '/trpc');
  if (isTrpc && outcome.status < 400 && request.headers['trpc-accept'] === 'application/jsonl') {
    checkJsonLines(outcome.body, problems);
    return;
  }
  if (outcome.status < 400 && !(isTrpc && outcome.status === 207)) return;
  const parsed = parseJson(outcome.body);
  if (!parsed.ok) {
    problems.push(`an error answer that is not JSON (${outcome.contentType || 'no content type'})`);
    return;
  }
  if (!outcome.contentType.includes('application/json')) {
    problems.push(`a JSON error answered as ${outcome.contentType || 'no content type'}`);
  }
  if (under(request.url, '/api')) checkRestError(outcome.status, parsed.value, problems);
  else if (
    isTrpc &&
    isObject(parsed.value) &&
    isObject(parsed.value.error) &&
    typeof parsed.value.error.code === 'string'
  ) {
    // Paths under /trpc that reach no procedure (`/trpc` itself) get the app's own 404.
    checkAppError(parsed.value, problems);
  } else if (isTrpc) checkTrpcAnswer(outcome.status, parsed.value, problems);
  else checkAppError(parsed.value, problems);
}

/** Everything wrong with the answer, independent of the database. */
export function answerProblems(request: FuzzRequest, outcome: Outcome, boundMs: number): Problems {
  const problems: Problems = [];
  if (outcome.status >= 500) problems.push(`a ${outcome.status}`);
  if (outcome.cut) problems.push(`no complete answer within ${boundMs} ms`);
  else if (outcome.ms > boundMs)
    problems.push(`slow: ${Math.round(outcome.ms)} ms (bound ${boundMs} ms)`);
  checkShape(request, outcome, problems);
  const { actor } = request;
  const fromElsewhere =
    'via' in actor && (actor.via === 'cookie-foreign' || actor.via === 'cookie-bare');
  // A path the router cannot take is refused before any hook runs, the CSRF check included.
  const refusedByRouter =
    [400, 414, 422].includes(outcome.status) &&
    /is not a valid url component|exceeding the max param length/.test(outcome.body);
  if (
    fromElsewhere &&
    !SAFE_METHODS.has(request.method) &&
    outcome.status !== 403 &&
    !refusedByRouter
  ) {
    problems.push(
      `a cookie-authenticated ${request.method} from ${actor.via === 'cookie-bare' ? 'no stated origin' : 'a foreign origin'} answered ${outcome.status}, not 403`,
    );
  }
  if (outcome.body.includes(DATABASE_REFUSED)) {
    problems.push('refused by the database, not by the schema: a rule the input schema misses');
  }
  if (changesNothing(request) && outcome.status < 400) {
    problems.push(`PUT /api/user naming no field to change answered ${outcome.status}, not 422`);
  }
  if (carriesPrototypeKey(request) && !partlyRefused(request, outcome)) {
    problems.push(
      `a body with a prototype key (__proto__ or constructor.prototype) was accepted (${outcome.status})`,
    );
  }
  return problems;
}

/** What PUT /api/user may change; a request naming none of these is refused (422). */
const USER_FIELDS = ['email', 'username', 'password', 'bio', 'image'];

/** PUT /api/user with a body naming nothing it could change (`{"user":{}}`, `{"user":{"role":..}}`). */
function changesNothing(request: FuzzRequest): boolean {
  if (request.method !== 'PUT' || pathOf(request.url) !== '/api/user') return false;
  const parsed = parseJson(request.body ?? '');
  if (!parsed.ok || !isObject(parsed.value) || !isObject(parsed.value.user)) return false;
  const user = parsed.value.user;
  return !USER_FIELDS.some((field) => Object.hasOwn(user, field));
}

/** The JSON the server reads: the body, or each `input` query parameter, decoded once. */
export function jsonTexts(request: FuzzRequest): string[] {
  const texts = request.body === undefined ? [] : [request.body];
  const query = request.url.split('?').slice(1).join('?');
  try {
    texts.push(...new URLSearchParams(query).getAll('input'));
  } catch {
    // Not decodable: the server refuses it before reading any input.
  }
  return texts;
}

const PROTOTYPE_KEY = /"__proto__"\s*:|"constructor"\s*:\s*\{\s*"prototype"\s*:/;

/** Whether the JSON the server reads has a key that would reach an object's prototype. */
export function carriesPrototypeKey(request: FuzzRequest): boolean {
  // GET and HEAD bodies are never read; only tRPC reads JSON from the query string.
  const readsBody = request.method !== 'GET' && request.method !== 'HEAD';
  const texts =
    request.surface === 'trpc' ? jsonTexts(request) : readsBody ? [request.body ?? ''] : [];
  return texts.some((text) => PROTOTYPE_KEY.test(text));
}

function batchItems(outcome: Outcome): unknown[] | undefined {
  const parsed = parseJson(outcome.body);
  return parsed.ok && Array.isArray(parsed.value) ? parsed.value : undefined;
}

/** An error status, or a batch with at least one failed call. */
function partlyRefused(request: FuzzRequest, outcome: Outcome): boolean {
  if (outcome.status >= 400) return true;
  // A streamed batch begins with 200 and says each call's error in a line of its own.
  if (request.headers['trpc-accept'] === 'application/jsonl') {
    return outcome.body
      .split('\n')
      .slice(1)
      .some((line) => line.includes('"error":{'));
  }
  // A subscription refused after its stream began says so in an event.
  if (outcome.contentType.startsWith('text/event-stream')) {
    return outcome.body.includes('event: serialized-error');
  }
  return (
    outcome.status === 207 &&
    (batchItems(outcome) ?? []).some((item) => isObject(item) && 'error' in item)
  );
}

/**
 * Whether the server refused the whole request (nothing of it may have changed the data): an
 * error status, or a batch whose every call failed.
 */
export function refused(outcome: Outcome): boolean {
  if (outcome.status >= 400) return true;
  if (outcome.status !== 207) return false;
  return (batchItems(outcome) ?? []).every((item) => isObject(item) && 'error' in item);
}

export const isRead = (request: FuzzRequest) => SAFE_METHODS.has(request.method);
