// Who a request is, when it presents a personal access token, and what such a token may reach
// (decision 028). The rule lives here alone: trpc.ts runs `enforceTokenReach` before every
// procedure, and the procedure reference (docs) prints `tokenReach` for each.
//
// - A query or subscription needs a token of scope `read` or `write`; a mutation needs `write`.
// - Only procedures that say `accessTokens: true` in their meta (signedInProcedure, hence
//   writerProcedure: the content API) and public queries take tokens. Everything else refuses
//   them whatever the scope: signing in and out, sessions, password, email, second factor,
//   passkeys, the tokens themselves, the export, deleting the account, admin. A new procedure is
//   refused to tokens until someone opens it.
import {
  type AccessTokenRecord,
  type SessionRecord,
  type SessionUser,
  validateAccessToken,
} from '@conduit/auth';
import type { Database } from '@conduit/db';
import { TRPCError } from '@trpc/server';
import type { Context, RequestMeta } from './context';
import { tooManyRequests } from './errors';
import { audit } from './services/audit';
import type { ProcedureMeta } from './trpc';

/** Signed in by a session (browser cookie or header token). */
export interface SessionViewer {
  user: SessionUser;
  session: SessionRecord;
  accessToken?: undefined;
}

/** Signed in by a personal access token: no session, so nothing that needs one. */
export interface TokenViewer {
  user: SessionUser;
  accessToken: AccessTokenRecord;
  session?: undefined;
}

export type Viewer = SessionViewer | TokenViewer;

export type TokenReach = 'read' | 'write' | 'refused';

/** What scope a token needs to call a procedure, or `refused` when no token may. */
export function tokenReach(
  meta: ProcedureMeta | undefined,
  kind: 'query' | 'mutation' | 'subscription',
): TokenReach {
  const isPublic = (meta?.access ?? 'anyone') === 'anyone';
  // Public mutations are signing up and in, resets, links: nothing a script holding a token does.
  const open = meta?.accessTokens === true || (isPublic && kind !== 'mutation');
  if (!open) return 'refused';
  return kind === 'mutation' ? 'write' : 'read';
}

/** Refuses a call beyond the presenting token's reach (403), or past its rate limit (429). */
export async function enforceTokenReach(opts: {
  ctx: Context;
  meta: ProcedureMeta | undefined;
  type: 'query' | 'mutation' | 'subscription';
  path: string;
}): Promise<void> {
  const token = opts.ctx.viewer?.accessToken;
  if (!token) return;
  const reach = tokenReach(opts.meta, opts.type);
  if (reach === 'refused') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `A personal access token cannot be used for ${opts.path}: account, security and admin actions need you signed in`,
    });
  }
  if (reach === 'write' && token.scope === 'read') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `This personal access token may only read (scope read): ${opts.path} makes changes and needs a token of scope write`,
    });
  }
  const { max, windowMs } = opts.ctx.limits.accessTokenCalls;
  const counted = await opts.ctx.limiter.hit(`pat:${token.id}`, max, windowMs).then(
    (result) => result,
    () => undefined, // the counters' store away: the per-IP limit still stands in front
  );
  if (counted && !counted.allowed) throw tooManyRequests(counted.retryAfterMs);
}

const REFUSALS = {
  unknown: 'This personal access token is not valid',
  expired: 'This personal access token has expired: make a new one in your settings',
  revoked: 'This personal access token was revoked',
  'account disabled': 'This account is disabled',
} as const;

/**
 * The viewer a presented token stands for; a token that does not work is a 401 on every
 * procedure, public ones too, so a script learns at once that its token is wrong rather than
 * reading as a visitor. Its first use is audited with where it came from.
 */
export async function accessTokenViewer(
  db: Database,
  token: string,
  now: Date,
  meta: RequestMeta,
): Promise<TokenViewer> {
  const checked = await validateAccessToken(db, token, now);
  if (!checked.ok)
    throw new TRPCError({ code: 'UNAUTHORIZED', message: REFUSALS[checked.refusal] });
  if (checked.firstUse) {
    await audit(
      { db, meta },
      {
        action: 'auth.access_token.first_use',
        actorId: checked.user.id,
        targetType: 'access_token',
        targetId: checked.token.id,
        details: { name: checked.token.name, scope: checked.token.scope },
      },
    );
  }
  return { user: checked.user, accessToken: checked.token };
}
