// The signed-in user's own data: downloading it, and deleting the account (decision 021). Merged
// into the `user` router (user.ts); kept apart so that leaving reads in one place.
import { PASSWORD_MAX_LENGTH } from '@conduit/auth';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { invalidate } from '../cache';
import { invalidFields } from '../errors';
import { text } from '../schemas/text';
import { ARTICLES, PROFILES } from '../services/cached-reads';
import { deleteAccount } from '../services/leaving';
import { requireRecentAuth } from '../services/reauth';
import { authedProcedure } from '../trpc';
import { TAGS } from './tag';

export const deleteAccountInput = z.strictObject({
  /** The account's username typed again: nobody deletes an account by a slip or a stray call. */
  username: text().max(64, { error: 'must be your username' }),
  /** Needed unless the session signed in within the re-authentication window (sudo mode). */
  currentPassword: z
    .string()
    .max(PASSWORD_MAX_LENGTH * 4)
    .optional(),
});

export const userDataProcedures = {
  /**
   * Deletes the account and everything it wrote (articles, comments), its follows, favorites and
   * sessions, at once; the cookie is cleared. Sensitive: sudo mode.
   */
  delete: authedProcedure.input(deleteAccountInput).mutation(async ({ ctx, input }) => {
    const { user } = ctx.viewer;
    if (input.username.trim().toLowerCase() !== user.username.toLowerCase()) {
      throw invalidFields({ username: ['must be your username, typed again to confirm'] });
    }
    await requireRecentAuth(ctx, input.currentPassword);
    const deleted = await deleteAccount(ctx);
    ctx.sessionCookie.clear();
    // The profile, the articles (their views, the first page, favorites counts) and tag counts.
    await invalidate(ctx.cache, PROFILES, ARTICLES, TAGS);
    return { deleted };
  }),
} satisfies TRPCRouterRecord;
