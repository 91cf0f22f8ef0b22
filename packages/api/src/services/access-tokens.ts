// The signed-in user's personal access tokens: making one (shown once), listing, revoking; each
// audited. What a token may do once made is access-token-policy.ts's.
import {
  type AccessTokenRecord,
  countLiveAccessTokens,
  createAccessToken,
  listAccessTokens,
  MAX_ACCESS_TOKENS_PER_USER,
  revokeAccessTokens,
} from '@conduit/auth';
import type { AccessTokenScope } from '@conduit/db';
import { TRPCError } from '@trpc/server';
import type { SessionViewer } from '../access-token-policy';
import type { Context } from '../context';
import { invalidFields } from '../errors';
import { audit } from './audit';

type SignedIn = Context & { viewer: SessionViewer };

/** A token as its owner sees it: never its text, which only `create` answers, once. */
export function toAccessToken(record: AccessTokenRecord, now: Date) {
  return {
    id: record.id,
    name: record.name,
    scope: record.scope,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    expired: record.expiresAt.getTime() <= now.getTime(),
  };
}

export async function makeAccessToken(
  ctx: SignedIn,
  input: { name: string; scope: AccessTokenScope; expiresInDays: number },
) {
  const { user } = ctx.viewer;
  const now = ctx.now();
  if ((await countLiveAccessTokens(ctx.db, user.id, now)) >= MAX_ACCESS_TOKENS_PER_USER) {
    throw invalidFields({
      accessTokens: [`are at most ${MAX_ACCESS_TOKENS_PER_USER} per account: revoke one first`],
    });
  }
  const { token, record } = await createAccessToken(ctx.db, { userId: user.id, ...input, now });
  await audit(ctx, {
    action: 'auth.access_token.create',
    actorId: user.id,
    targetType: 'access_token',
    targetId: record.id,
    details: { name: record.name, scope: record.scope, expiresAt: record.expiresAt.toISOString() },
  });
  return { token, accessToken: toAccessToken(record, now) };
}

export async function accessTokensOf(ctx: SignedIn) {
  const now = ctx.now();
  const records = await listAccessTokens(ctx.db, ctx.viewer.user.id);
  return records.map((record) => toAccessToken(record, now));
}

export async function revokeAccessToken(ctx: SignedIn, id: string) {
  const { user } = ctx.viewer;
  // Only one's own: someone else's id is "not found", never "forbidden".
  const [revoked] = await revokeAccessTokens(ctx.db, { user: user.id, id }, ctx.now());
  if (!revoked) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such access token' });
  await audit(ctx, {
    action: 'auth.access_token.revoke',
    actorId: user.id,
    targetType: 'access_token',
    targetId: revoked.id,
    details: { name: revoked.name, scope: revoked.scope },
  });
  return { revoked: revoked.id };
}
