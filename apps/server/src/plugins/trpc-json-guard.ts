// The official tRPC adapter reads JSON bodies (and the `input` query parameter) itself, past
// Fastify's protected parser, so `__proto__` and `constructor.prototype` keys reach the procedures
// (zod strips them, but such a request should not be taken at all). This refuses them, as REST
// does, in tRPC's own error shape, with the same scan Fastify uses (secure-json-parse).
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import { trpcQuery } from './trpc-query';

/**
 * Text that could hold such a key: its name, or a \u escape (which could spell it). Only such
 * text is parsed here as well as by tRPC; the rest costs one regular-expression scan.
 */
const SUSPECT = /__proto__|constructor|\\u/;

/** Whether the JSON text holds a forbidden key. Malformed JSON is tRPC's to answer, not ours. */
export function hasPrototypeKey(text: string): boolean {
  if (!SUSPECT.test(text)) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null) return false;
  try {
    sjson.scan(value, { protoAction: 'error', constructorAction: 'error' });
    return false;
  } catch {
    return true;
  }
}

/** Adds the check to every route of `app` (the scope tRPC is mounted in). */
export function refusePrototypeKeys(app: FastifyInstance): void {
  // A callback hook: an async one costs every call a promise and its turns. Once it answered, the
  // request goes no further (done is not called).
  app.addHook('preValidation', (request, reply, done) => {
    const texts = trpcQuery(request).getAll('input');
    if (typeof request.body === 'string') texts.push(request.body);
    if (texts.some(hasPrototypeKey)) refuse(request, reply);
    else done();
  });
}

function refuse(request: FastifyRequest, reply: FastifyReply) {
  const { path } = request.params as { path?: string };
  const batch = trpcQuery(request).has('batch');
  request.log.info({ path }, 'tRPC input with a prototype key refused');
  return reply.status(400).send({
    error: {
      code: TRPC_ERROR_CODES_BY_KEY.BAD_REQUEST,
      message: 'Input contains a forbidden key (__proto__ or constructor.prototype)',
      data: { code: 'BAD_REQUEST', httpStatus: 400, ...(path && !batch ? { path } : {}) },
    },
  });
}
