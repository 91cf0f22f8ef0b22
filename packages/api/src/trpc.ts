/**
 * The tRPC setup every router builds on, top to bottom:
 * 1. init: the error formatter, the one place errors are shaped for the outside;
 * 2. the router factory and the procedure kinds.
 * What each call can use (the context) is built in context.ts.
 * Adapter-agnostic: the server passes request facts in; nothing here knows about HTTP frameworks.
 */
import { AccountGoneError, hasRole, type Role } from '@conduit/auth';
import { eq, isDatabaseUnavailable, isDataException, users } from '@conduit/db';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context';
import {
  asUnavailable,
  type FieldErrors,
  InvalidFieldsError,
  RateLimitedError,
  SecondFactorRequiredError,
} from './errors';

// 1. Init ----------------------------------------------------------------------------------------

export type { FieldErrors };

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

/** What the procedure reference (docs) says about each procedure. */
export interface ProcedureMeta {
  /** Who may call it: anyone, a signed-in user, or at least a given role. */
  access: 'anyone' | 'signed-in user' | Role;
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    // Stack traces are added below, and only when the context allows it.
    isDev: false,
    /**
     * Subscriptions over server-sent events. A ping every 10 s keeps proxies from closing a quiet
     * stream (nginx's default gives up after 60 s) and shows the client the stream is alive: after
     * 30 s of silence it reconnects. Streams end after 30 minutes and the client reconnects within
     * seconds, so long-lived readers spread over instances as instances come and go. Reconnecting
     * clients send their last event id and get what they missed (see comment.onCreated).
     */
    sse: {
      ping: { enabled: true, intervalMs: 10_000 },
      client: { reconnectAfterInactivityMs: 30_000 },
      maxDurationMs: 30 * 60_000,
    },
    errorFormatter({ shape, error, ctx }) {
      const expose = ctx?.exposeErrors ?? false;
      const cause = error.cause;
      const fieldErrors =
        cause instanceof ZodError
          ? fieldErrorsOf(cause)
          : cause instanceof InvalidFieldsError
            ? cause.fields
            : undefined;
      const retryAfterSeconds =
        cause instanceof RateLimitedError
          ? Math.max(1, Math.ceil(cause.retryAfterMs / 1000))
          : undefined;
      // A right password for an account with a second factor: how to finish signing in.
      const secondFactor =
        cause instanceof SecondFactorRequiredError
          ? { required: true as const, ...cause.pending }
          : undefined;
      let message = shape.message;
      if (cause instanceof ZodError && fieldErrors)
        message = `Invalid input: ${describeFieldErrors(fieldErrors)}`;
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
          ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
          ...(secondFactor ? { secondFactor } : {}),
          ...(expose && error.stack ? { stack: error.stack } : {}),
        },
      };
    },
  });

/** Whether a signed-in caller's account is gone; asked only after an unexpected failure. */
async function viewerGone(ctx: Context): Promise<boolean> {
  if (!ctx.viewer) return false;
  const [row] = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.id, ctx.viewer.user.id))
    .catch(() => [{ id: 0 }]);
  return !row;
}

// 2. Routers and procedures ----------------------------------------------------------------------

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure: a statement that failed because the database is out of reach (restarting,
 * network gone) answers 503, which clients and load balancers retry, instead of 500; one that
 * failed on a value PostgreSQL refused (a data exception) answers 400, as the schemas would have.
 */
const procedure = t.procedure.use(async ({ ctx, next }) => {
  const result = await next();
  if (result.ok) return result;
  const { cause } = result.error;
  if (isDatabaseUnavailable(cause)) throw asUnavailable(cause);
  // The caller's account was deleted while this ran (a write of theirs met it gone, or a sign-in
  // its session's insert): a 401, as the next request gets, not a 500 for what is no bug (021).
  const gone =
    cause instanceof AccountGoneError ||
    (result.error.code === 'INTERNAL_SERVER_ERROR' && (await viewerGone(ctx)));
  if (gone) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Your account no longer exists', cause });
  }
  if (isDataException(cause)) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: 'The input holds a value the database cannot store or compare',
      cause,
    });
  }
  return result;
});

/** Anyone may call it, signed in or not; `ctx.viewer` is the signed-in user or null. */
export const publicProcedure = procedure.meta({ access: 'anyone' });

/** Needs a valid session: 401 without one. `ctx.viewer` is never null inside. */
export const authedProcedure = procedure.meta({ access: 'signed-in user' }).use(({ ctx, next }) => {
  if (!ctx.viewer) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to do this' });
  return next({ ctx: { ...ctx, viewer: ctx.viewer } });
});

/** Needs a session whose user has at least `role` (admin ⊇ moderator ⊇ user): 403 otherwise. */
export function roleProcedure(role: Role) {
  return authedProcedure.meta({ access: role }).use(({ ctx, next }) => {
    if (!hasRole(ctx.viewer.user.role, role)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `Only a ${role} may do this` });
    }
    return next();
  });
}

/**
 * Writes others see (articles, comments, favorites, follows): with REQUIRE_VERIFIED_EMAIL=true they
 * need a verified email, so an address nobody owns cannot publish (decision 019). Removing one's
 * own writing stays with authedProcedure: nobody is kept from taking their words back.
 */
export const writerProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.accounts.requireVerifiedEmail && !ctx.viewer.user.emailVerifiedAt) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message:
        'Verify your email address to do this: open the link we mailed you, or ask for a new one in your settings',
    });
  }
  return next();
});
