/**
 * The tRPC setup every router builds on, top to bottom:
 * 1. context: what each call can use (database, request facts);
 * 2. init: the error formatter, the one place errors are shaped for the outside;
 * 3. the router factory and the procedure kinds.
 * Adapter-agnostic: the server passes request facts in; nothing here knows about HTTP frameworks.
 */
import { AccountGoneError, hasRole, type Role } from '@conduit/auth';
import { type Database, eq, isDatabaseUnavailable, isDataException, users } from '@conduit/db';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { type CacheStore, createNoCache } from './cache';
import {
  type FieldErrors,
  InvalidFieldsError,
  RateLimitedError,
  SecondFactorRequiredError,
} from './errors';
import type { RateLimiter } from './limits';
import { type CommentEvents, commentEventsOf } from './live/comment-events';
import { lookUpSession } from './session-cache';
import { traceProcedure } from './tracing';

// 1. Context -------------------------------------------------------------------------------------

export interface RequestMeta {
  requestId?: string | undefined;
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** How the adapter gives the browser its session cookie; API clients use the returned token. */
export interface SessionCookie {
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

export interface Limit {
  /** Most hits per window; 0 turns the limit off. */
  max: number;
  windowMs: number;
}

export interface AuthLimits {
  /** Failed logins per account (email), whatever the IP. */
  loginFailuresPerAccount: Limit;
  /** Failed logins per IP, whatever the account: guessing across many accounts. */
  loginFailuresPerIp: Limit;
  /** Login attempts per IP, failed or not: a generous cap against floods. */
  loginAttemptsPerIp: Limit;
  registrationsPerIp: Limit;
  /** Password-reset requests per IP, whatever the address (decision 019). */
  passwordResetsPerIp: Limit;
  /** Password-reset requests per typed address, known or not: no mailbox is flooded. */
  passwordResetsPerAddress: Limit;
  /** Verification mails an account may ask to be sent again. */
  verificationMailsPerAccount: Limit;
}

const MINUTE = 60_000;
export const defaultAuthLimits: AuthLimits = {
  loginFailuresPerAccount: { max: 5, windowMs: 15 * MINUTE },
  loginFailuresPerIp: { max: 20, windowMs: 15 * MINUTE },
  loginAttemptsPerIp: { max: 200, windowMs: 15 * MINUTE },
  registrationsPerIp: { max: 30, windowMs: 60 * MINUTE },
  passwordResetsPerIp: { max: 20, windowMs: 60 * MINUTE },
  passwordResetsPerAddress: { max: 5, windowMs: 60 * MINUTE },
  verificationMailsPerAccount: { max: 5, windowMs: 60 * MINUTE },
};

/** How accounts behave (issue 14): links in mail, sudo mode, whether writing needs a verified email. */
export interface AccountSettings {
  /** Where the web app is reached from outside: links in mail point there. */
  publicOrigin: string;
  /** How long after proving who they are (a sign-in) a user may make sensitive changes unasked. */
  reauthWindowMs: number;
  /** Writing (articles, comments, follows, favorites) needs a verified email. */
  requireVerifiedEmail: boolean;
  /**
   * Least time a password-reset request takes, known address or not (decision 019); default 250.
   * Tests lower it to run quickly; the timing test keeps the default.
   */
  resetAnswerFloorMs?: number;
  /**
   * Passkeys (WebAuthn): the relying party browsers bind credentials to (decision 023). Unset:
   * derived from `publicOrigin` (its host name, that origin alone).
   */
  webauthn?: WebAuthnSettings | undefined;
}

export interface WebAuthnSettings {
  /** The domain passkeys belong to: the site's host name or a parent of it, never an IP address. */
  rpId: string;
  /** The name authenticators show beside the passkey. */
  rpName: string;
  /** The pages' origins a ceremony may come from (scheme, host and port, as browsers report them). */
  origins: string[];
}

export const defaultAccountSettings: AccountSettings = {
  publicOrigin: 'http://localhost:3000',
  reauthWindowMs: 10 * MINUTE,
  requireVerifiedEmail: false,
};

export interface CreateContextOptions {
  db: Database;
  meta?: RequestMeta;
  /** Development only: let error messages of unexpected failures and stack traces through. */
  exposeErrors?: boolean;
  /** The session token the request presented, and where: a cookie (browser) or a header (API client). */
  sessionToken?: { value: string; from: 'cookie' | 'header' } | undefined;
  sessionCookie?: SessionCookie;
  /** Counters for abuse limits; without one (in-process callers, tests) nothing is limited. */
  limiter?: RateLimiter;
  limits?: AuthLimits;
  /** Live comments of this process; by default a bus with default caps over `db`'s LISTEN/NOTIFY. */
  commentEvents?: CommentEvents;
  /** Where hot reads are kept (see cache.ts); without one nothing is cached. */
  cache?: CacheStore;
  accounts?: AccountSettings;
  /** The clock expiries are measured by; tests move it. */
  now?: () => Date;
}

const noCookie: SessionCookie = { set() {}, clear() {} };
const noCache = createNoCache();
const unlimited: RateLimiter = {
  hit: async () => ({ allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterMs: 0 }),
  peek: async () => ({ allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterMs: 0 }),
  reset: async () => {},
};

/** Resolves who is calling from the session token, renewing the cookie when the session was extended. */
export async function createTRPCContext(opts: CreateContextOptions) {
  const cookie = opts.sessionCookie ?? noCookie;
  const presented = opts.sessionToken;
  const cache = opts.cache ?? noCache;
  const now = opts.now ?? (() => new Date());
  const validated = presented ? await sessionOf(opts.db, cache, presented.value, now()) : null;
  if (presented?.from === 'cookie') {
    if (!validated) cookie.clear();
    else if (validated.fresh) cookie.set(presented.value, validated.session.expiresAt);
  }
  return {
    db: opts.db,
    meta: opts.meta ?? {},
    exposeErrors: opts.exposeErrors ?? false,
    viewer: validated ? { user: validated.user, session: validated.session } : null,
    sessionCookie: cookie,
    limiter: opts.limiter ?? unlimited,
    limits: opts.limits ?? defaultAuthLimits,
    commentEvents: opts.commentEvents ?? commentEventsOf(opts.db),
    cache,
    accounts: opts.accounts ?? defaultAccountSettings,
    now,
  };
}

/** The session lookup, with a database that cannot be reached said as such (503, not 500). */
async function sessionOf(db: Database, cache: CacheStore, token: string, now: Date) {
  try {
    return await lookUpSession(db, cache, token, now);
  } catch (error) {
    throw asUnavailable(error);
  }
}

function asUnavailable(error: unknown): unknown {
  if (!isDatabaseUnavailable(error)) return error;
  return new TRPCError({
    code: 'SERVICE_UNAVAILABLE',
    message: 'The database is unavailable: try again shortly',
    cause: error,
  });
}

export type Context = Awaited<ReturnType<typeof createTRPCContext>>;

// 2. Init ----------------------------------------------------------------------------------------

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

// 3. Routers and procedures ----------------------------------------------------------------------

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every procedure call in a span of its own when traced (tracing.ts); outermost, to see the outcome. */
const traced = t.procedure.use(({ path, type, next }) => traceProcedure(path, type, next));

/**
 * Every procedure: a statement that failed because the database is out of reach (restarting,
 * network gone) answers 503, which clients and load balancers retry, instead of 500; one that
 * failed on a value PostgreSQL refused (a data exception) answers 400, as the schemas would have.
 */
const procedure = traced.use(async ({ ctx, next }) => {
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
