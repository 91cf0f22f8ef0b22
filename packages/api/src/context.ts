/**
 * The context of a tRPC call: what each procedure can use (database, request facts, the caller),
 * the settings it is built from and their defaults. Services take these types from here, not
 * from the tRPC setup (trpc.ts), so the domain does not depend on how procedures are declared.
 */
import { looksLikeAccessToken } from '@conduit/auth';
import type { Database } from '@conduit/db';
import { accessTokenViewer, type Viewer } from './access-token-policy';
import { type CacheStore, createNoCache } from './cache';
import { defaultAccountSettings, defaultAuthLimits } from './defaults';
import { asUnavailable } from './failures';
import type { RateLimiter } from './limits';
import { type CommentEvents, commentEventsOf } from './live/comment-events';
import { type ReadRouting, writerKey } from './read-routing';
import { lookUpSession } from './session-cache';

export { defaultAccountSettings, defaultAuthLimits };

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
  /** Calls per personal access token, whatever the IP (decision 028). */
  accessTokenCalls: Limit;
}

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

export interface CreateContextOptions {
  /** The primary: writes, transactions, and every read whose result is cached or must be current. */
  db: Database;
  /**
   * Where lag-tolerant reads go (read replicas, decision 039); without it they go to `db`. Queries
   * ask `ctx.reads.readDb()` for the chosen handle.
   */
  readRouting?: ReadRouting | undefined;
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
  // A personal access token (decision 028) comes in the header only, and is never cached.
  const pat = presented?.from === 'header' && looksLikeAccessToken(presented.value);
  const byToken = pat
    ? await unavailableSaid(accessTokenViewer(opts.db, presented.value, now(), opts.meta ?? {}))
    : null;
  const validated =
    presented && !pat
      ? await unavailableSaid(lookUpSession(opts.db, cache, presented.value, now()))
      : null;
  const viewer: Viewer | null =
    byToken ?? (validated ? { user: validated.user, session: validated.session } : null);
  if (presented?.from === 'cookie') {
    if (!validated) cookie.clear();
    else if (validated.fresh) cookie.set(presented.value, validated.session.expiresAt);
  }
  return {
    db: opts.db,
    /**
     * `reads.readDb()`: the handle of reads that may lag a little (lists, feed, search, comments),
     * a read replica, or the primary when this client has just written; asked for only by the
     * procedures that make such reads (a signed-in client's position is a Redis lookup). Never
     * for a read whose result goes into the shared cache, nor inside a transaction.
     */
    reads: readsOf(opts.db, opts.readRouting, viewer),
    meta: opts.meta ?? {},
    exposeErrors: opts.exposeErrors ?? false,
    viewer,
    sessionCookie: cookie,
    limiter: opts.limiter ?? unlimited,
    limits: opts.limits ?? defaultAuthLimits,
    commentEvents: opts.commentEvents ?? commentEventsOf(opts.db),
    cache,
    accounts: opts.accounts ?? defaultAccountSettings,
    now,
  };
}

/**
 * The request's side of read routing: its read handle, looked up once however many queries a batch
 * holds, and what a write of the signed-in client leaves behind.
 */
function readsOf(db: Database, routing: ReadRouting | undefined, viewer: Viewer | null) {
  let chosen: Promise<Database> | undefined;
  const client = viewer ? writerKey(viewer.user.id) : undefined;
  return {
    readDb(): Promise<Database> {
      if (!routing) return Promise.resolve(db);
      chosen ??= routing.readDbFor(client);
      return chosen;
    },
    /** After a write of `userId` (by default the viewer) committed: read-your-writes. */
    async wrote(userId = viewer?.user.id): Promise<void> {
      if (!routing || userId === undefined) return;
      // Reads later in this request see the write too.
      chosen = Promise.resolve(db);
      await routing.wrote(writerKey(userId));
    },
  };
}

/** The caller's lookup, with a database that cannot be reached said as such (503, not 500). */
async function unavailableSaid<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    throw asUnavailable(error);
  }
}

export type Context = Awaited<ReturnType<typeof createTRPCContext>>;
