// Personal access tokens for the signed-in user's scripts (decision 028). Managing them needs a
// session: a token cannot make, list or revoke tokens.
import type { TRPCRouterRecord } from '@trpc/server';
import { createAccessTokenInput, revokeAccessTokenInput } from '../schemas/access-token';
import { accessTokensOf, makeAccessToken, revokeAccessToken } from '../services/access-tokens';
import { requireRecentAuth } from '../services/reauth';
import { authedProcedure } from '../trpc';

export const accessTokenRouter = {
  /**
   * A new token, answered once as `token` (only its hash is kept). Sudo mode: a recent sign-in or
   * `currentPassword`, since the token acts for the account for up to a year.
   */
  create: authedProcedure.input(createAccessTokenInput).mutation(async ({ ctx, input }) => {
    const { currentPassword, ...fields } = input;
    await requireRecentAuth(ctx, currentPassword);
    return makeAccessToken(ctx, fields);
  }),

  /** The tokens not revoked, newest first, expired ones marked; never their text. */
  list: authedProcedure.query(async ({ ctx }) => ({ accessTokens: await accessTokensOf(ctx) })),

  /** Ends a token at once (its next request is a 401). Not sudo mode: it only takes access away. */
  revoke: authedProcedure
    .input(revokeAccessTokenInput)
    .mutation(async ({ ctx, input }) => revokeAccessToken(ctx, input.id)),
} satisfies TRPCRouterRecord;
