// Profiles: read anyone's, follow and unfollow.
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { usernameSchema } from '../schemas/account';
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

  follow: writerProcedure.input(profileInput).mutation(async ({ ctx, input }) => ({
    profile: await followUser(ctx.db, ctx.viewer.user.id, input.username),
  })),

  unfollow: writerProcedure.input(profileInput).mutation(async ({ ctx, input }) => ({
    profile: await unfollowUser(ctx.db, ctx.viewer.user.id, input.username),
  })),
} satisfies TRPCRouterRecord;
