// Profiles: read anyone's, follow and unfollow.
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { invalidate } from '../cache';
import { usernameSchema } from '../schemas/account';
import { followsTag } from '../services/cache-tags';
import { readProfile } from '../services/cached-reads';
import { followUser, unfollowUser } from '../services/profiles';
import { publicProcedure, writerProcedure } from '../trpc';

export const profileInput = z.object({ username: usernameSchema });

export const profileRouter = {
  get: publicProcedure.input(profileInput).query(async ({ ctx, input }) => ({
    profile: await readProfile(
      { db: ctx.db, cache: ctx.cache, viewerId: ctx.viewer?.user.id },
      input.username,
    ),
  })),

  // Following changes only the follower's flags, never kept in shared copies, and their feed.
  follow: writerProcedure.input(profileInput).mutation(async ({ ctx, input }) => {
    const profile = await followUser(ctx.db, ctx.viewer.user.id, input.username);
    await invalidate(ctx.cache, followsTag(ctx.viewer.user.id));
    return { profile };
  }),

  unfollow: writerProcedure.input(profileInput).mutation(async ({ ctx, input }) => {
    const profile = await unfollowUser(ctx.db, ctx.viewer.user.id, input.username);
    await invalidate(ctx.cache, followsTag(ctx.viewer.user.id));
    return { profile };
  }),
} satisfies TRPCRouterRecord;
