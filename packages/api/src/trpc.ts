/**
 * The tRPC setup every router builds on, top to bottom:
 * 1. init: the error formatter, the one place errors are shaped for the outside;
 * 2. the router factory and the procedure kinds.
 * What each call can use (the context) is built in context.ts.
 * Adapter-agnostic: the server passes request facts in; nothing here knows about HTTP frameworks.
 */
import { hasRole, type Role } from '@conduit/auth';
import { eq, users } from '@conduit/db';
import { getTRPCErrorFromUnknown, initTRPC, TRPCError } from '@trpc/server';
import { middlewareMarker } from '@trpc/server/unstable-core-do-not-import';
import { enforceTokenReach } from './access-token-policy';
import type { Context } from './context';
import type { FieldErrors } from './errors';
import {
  accountGone,
  asTRPCError,
  classifyFailure,
  databaseFailureOf,
  type Failure,
  fieldErrorsOf,
} from './failures';
import { traceProcedure } from './tracing';

// 1. Init ----------------------------------------------------------------------------------------

export type { FieldErrors };

/** What the procedure reference (docs) says about each procedure. */
export interface ProcedureMeta {
  /** Who may call it: anyone, a signed-in user, or at least a given role. */
  access: 'anyone' | 'signed-in user' | Role;
  /** Personal access tokens may call it, within their scope (access-token-policy.ts). */
  accessTokens?: boolean;
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
    // The tRPC renderer of failures (failures.ts): the shape and code tRPC gives, with what the
    // failure carries in `data`. Unexpected failures are rendered here and nowhere else.
    errorFormatter({ shape, error, ctx }) {
      const expose = ctx?.exposeErrors ?? false;
      const failure = classifyFailure(error);
      // An unexpected error's message may carry SQL, paths or data: never show it in production.
      const message = failure.kind === 'internal' && expose ? shape.message : failure.message;
      return {
        code: shape.code,
        message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          ...detailsOf(failure),
          ...(expose && error.stack ? { stack: error.stack } : {}),
        },
      };
    },
  });

/** What a failure carries beyond its message, as fields of tRPC's `data`. */
function detailsOf(failure: Failure) {
  const issues =
    failure.kind === 'validation' || failure.kind === 'conflict' ? failure.issues : undefined;
  const retryAfterSeconds = failure.kind === 'rate_limited' ? failure.retryAfterSeconds : undefined;
  // A right password for an account with a second factor: how to finish signing in.
  const pending = failure.kind === 'unauthenticated' ? failure.secondFactor : undefined;
  return {
    ...(issues ? { fieldErrors: fieldErrorsOf(issues) } : {}),
    ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    ...(pending ? { secondFactor: { required: true as const, ...pending } } : {}),
  };
}

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
 * Every procedure, in one middleware. Each tRPC middleware is a level that copies its options
 * twice with an object-spread helper (43-49 µs of an uncached profile.get's 300-450 over its six
 * or seven levels, in a CPU profile), so ours are steps of one level, from the outside in:
 * 1. the call in a span of its own when traced (tracing.ts), which sees the outcome;
 * 2. a failure the database explains (out of reach, a value it refused, the caller's account
 *    gone) is thrown as what it is (failures.ts) instead of a 500;
 * 3. read replicas (decision 039): a signed-in client's mutation leaves its log position behind,
 *    so its next reads, through any instance, see what it wrote. (Queries that may read a replica
 *    ask `ctx.reads.readDb()` themselves: the others cost no lookup.) A refused mutation (bad
 *    input, no right) wrote nothing; an unexpected failure may have written part of it;
 * 4. the one check of what a personal access token may reach (decision 028).
 * As between levels, what a step throws is a failed result to the step outside it (`settled`).
 */
const procedure = t.procedure.use((opts) => {
  const { ctx, path, type } = opts;
  const checked = () =>
    settled(async () => {
      await enforceTokenReach(opts);
      return opts.next();
    });
  const routed = () =>
    settled(async () => {
      const result = await checked();
      if (type === 'mutation' && (result.ok || result.error.code === 'INTERNAL_SERVER_ERROR'))
        await ctx.reads.wrote();
      return result;
    });
  return traceProcedure(path, type, () => settled(async () => explained(ctx, await routed())));
});

/** The step's result, or what tRPC makes of a throw between two levels: a failed result. */
async function settled<R>(step: () => Promise<R>): Promise<R> {
  try {
    return await step();
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: middlewareMarker } as R;
  }
}

/** The result, or the failure it explains thrown as what it is (step 2 above). */
async function explained<R extends { ok: boolean; error?: TRPCError }>(
  ctx: Context,
  result: R,
): Promise<R> {
  if (result.ok || !result.error) return result;
  const { cause, code } = result.error;
  let failure = databaseFailureOf(cause);
  // The caller's account was deleted while this ran (a write of theirs met it gone, or a sign-in
  // its session's insert): a 401, as the next request gets, not a 500 for what is no bug (021).
  const known = failure?.kind === 'unavailable' || failure?.kind === 'unauthenticated';
  if (!known && code === 'INTERNAL_SERVER_ERROR' && (await viewerGone(ctx))) failure = accountGone;
  if (failure) throw asTRPCError(failure, cause);
  return result;
}

/** Anyone may call it, signed in or not; `ctx.viewer` is the signed-in user or null. */
export const publicProcedure = procedure.meta({ access: 'anyone' });

/**
 * Needs a valid session: 401 without one. `ctx.viewer` is never null inside, and is a session:
 * personal access tokens were refused before (account, security and admin are a person's).
 */
export const authedProcedure = procedure.meta({ access: 'signed-in user' }).use(({ ctx, next }) => {
  const viewer = ctx.viewer;
  if (!viewer?.session)
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to do this' });
  // tRPC lays what `next` is given over the context (a copy of ours would be a second one).
  return next({ ctx: { viewer } });
});

/**
 * Needs a session or a personal access token of the scope the call needs (read for queries, write
 * for mutations): the content API scripts use. `ctx.viewer` is never null inside.
 */
export const signedInProcedure = procedure
  .meta({ access: 'signed-in user', accessTokens: true })
  .use(({ ctx, next }) => {
    const viewer = ctx.viewer;
    if (!viewer) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to do this' });
    return next({ ctx: { viewer } });
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
 * own writing stays with signedInProcedure: nobody is kept from taking their words back.
 */
export const writerProcedure = signedInProcedure.use(({ ctx, next }) => {
  if (ctx.accounts.requireVerifiedEmail && !ctx.viewer.user.emailVerifiedAt) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message:
        'Verify your email address to do this: open the link we mailed you, or ask for a new one in your settings',
    });
  }
  return next();
});
