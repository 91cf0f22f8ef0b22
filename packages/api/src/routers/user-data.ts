// The signed-in user's own data: downloading it, and deleting the account (decision 021). Merged
// into the `user` router (user.ts); kept apart so that leaving reads in one place.
import { PASSWORD_MAX_LENGTH } from '@conduit/auth';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { invalidate } from '../cache';
import { invalidFields, tooManyRequests } from '../errors';
import { text } from '../schemas/text';
import { exportAccount } from '../services/account-export';
import { ALL_CONTENT, TAG_LIST, userTag } from '../services/cache-tags';
import { deleteAccount } from '../services/leaving';
import { requireRecentAuth } from '../services/reauth';
import { authedProcedure } from '../trpc';

export const deleteAccountInput = z.strictObject({
  /** The account's username typed again: nobody deletes an account by a slip or a stray call. */
  username: text().max(64, { error: 'must be your username' }),
  /** Needed unless the session signed in within the re-authentication window (sudo mode). */
  currentPassword: z
    .string()
    .max(PASSWORD_MAX_LENGTH * 4)
    .optional(),
});

/** Exports per account per hour: each reads all the account has, which may be a lot. */
export const EXPORTS_PER_HOUR = 10;

export const userDataProcedures = {
  /**
   * Everything Conduit holds about the signed-in user, as JSON to keep: profile, articles (with
   * body and tags), comments, favorites, follows, open sessions and recent sign-ins; never a secret.
   * A read (GET): nothing is written, not even to the audit log. Throttled per account, as it reads
   * all the account has. Not sudo mode: it shows nothing the session cannot already read piece by
   * piece (decision 021).
   */
  export: authedProcedure.query(async ({ ctx }) => {
    const { user } = ctx.viewer;
    // Keyed by the account's id and creation time: ids start again in a database made afresh.
    const key = `export:${user.id}:${user.createdAt.getTime()}`;
    const counted = await ctx.limiter.hit(key, EXPORTS_PER_HOUR, 60 * 60_000).then(
      (result) => result,
      () => undefined, // the counters' store away: a read of one's own data is let through
    );
    if (counted && !counted.allowed) throw tooManyRequests(counted.retryAfterMs);
    return exportAccount(ctx.db, user, ctx.now());
  }),

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
    // The profile, and every article and list: theirs are gone, and with their favorites the
    // counts of others'. Rare enough to empty them all rather than list what they touched.
    await invalidate(ctx.cache, userTag(user.id), ALL_CONTENT, TAG_LIST);
    return { deleted };
  }),
} satisfies TRPCRouterRecord;
