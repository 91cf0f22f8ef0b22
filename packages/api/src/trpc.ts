/**
 * The tRPC setup every router builds on, top to bottom:
 * 1. context: what each call can use (database, request facts);
 * 2. init: the error formatter, the one place errors are shaped for the outside;
 * 3. the router factory and the procedure kinds.
 * Adapter-agnostic: the server passes request facts in; nothing here knows about HTTP frameworks.
 */
import type { Database } from '@conduit/db';
import { initTRPC, type TRPCError } from '@trpc/server';
import { ZodError } from 'zod';

// 1. Context -------------------------------------------------------------------------------------

export interface RequestMeta {
  requestId?: string | undefined;
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface CreateContextOptions {
  db: Database;
  meta?: RequestMeta;
  /** Development only: let error messages of unexpected failures and stack traces through. */
  exposeErrors?: boolean;
}

export function createTRPCContext(opts: CreateContextOptions) {
  return { db: opts.db, meta: opts.meta ?? {}, exposeErrors: opts.exposeErrors ?? false };
}

export type Context = ReturnType<typeof createTRPCContext>;

// 2. Init ----------------------------------------------------------------------------------------

/** Per-field messages of a failed input, keyed by the dotted path of the field. */
export type FieldErrors = Record<string, string[]>;

export function fieldErrorsOf(error: ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || 'input';
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  return fields;
}

function describeFieldErrors(fields: FieldErrors): string {
  return Object.entries(fields)
    .map(([field, messages]) => `${field}: ${messages.join(', ')}`)
    .join('; ');
}

function isUnexpected(error: TRPCError): boolean {
  return error.code === 'INTERNAL_SERVER_ERROR';
}

const t = initTRPC.context<Context>().create({
  // Stack traces are added below, and only when the context allows it.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const expose = ctx?.exposeErrors ?? false;
    const fieldErrors = error.cause instanceof ZodError ? fieldErrorsOf(error.cause) : undefined;
    let message = shape.message;
    if (fieldErrors) message = `Invalid input: ${describeFieldErrors(fieldErrors)}`;
    // An unexpected error's message may carry SQL, paths or data: never show it in production.
    else if (isUnexpected(error) && !expose) message = 'Internal server error';
    return {
      code: shape.code,
      message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        ...(fieldErrors ? { fieldErrors } : {}),
        ...(expose && error.stack ? { stack: error.stack } : {}),
      },
    };
  },
});

// 3. Routers and procedures ----------------------------------------------------------------------

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Anyone may call it, signed in or not. */
export const publicProcedure = t.procedure;
