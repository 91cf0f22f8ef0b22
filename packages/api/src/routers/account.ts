// Mailed links (issue 14; decision 019): confirming an address, an email change, and getting back
// into an account through its mailbox when the password is lost.
import type { TRPCRouterRecord } from '@trpc/server';
import {
  accountTokenInput,
  requestPasswordResetInput,
  resetPasswordInput,
} from '../schemas/recovery';
import { audit } from '../services/audit';
import {
  confirmEmailChange,
  queueEmailVerification,
  verifyEmail,
} from '../services/email-verification';
import { requestPasswordReset, resetPassword, resetTokenWorks } from '../services/password-reset';
import { throttleVerificationMail } from '../services/recovery-throttle';
import { authedProcedure, publicProcedure } from '../trpc';

export const accountRouter = {
  /**
   * Mails a reset link if an account has this address. The answer is the same either way, and
   * takes about as long, so it tells nobody whether the address has an account.
   */
  requestPasswordReset: publicProcedure
    .input(requestPasswordResetInput)
    .mutation(async ({ ctx, input }) => {
      await requestPasswordReset(ctx, input.email);
      return { ok: true as const };
    }),

  /**
   * Whether a reset link still works, without using it up. A mutation although it changes
   * nothing: a query would put the token in the URL, and so in the logs of any proxy in between.
   */
  checkResetToken: publicProcedure.input(accountTokenInput).mutation(async ({ ctx, input }) => ({
    valid: await resetTokenWorks(ctx, input.token),
  })),

  /**
   * Sets a new password with a reset link (once): every session of the account ends, and nobody
   * is signed in: the user signs in with the new password next.
   */
  resetPassword: publicProcedure.input(resetPasswordInput).mutation(async ({ ctx, input }) => {
    await resetPassword(ctx, input.token, input.password);
    return { ok: true as const };
  }),

  /** Confirms the address a verification link was sent to; works signed in or not. */
  verifyEmail: publicProcedure.input(accountTokenInput).mutation(async ({ ctx, input }) => {
    const { userId } = await verifyEmail(ctx, input.token);
    await audit(ctx, {
      action: 'auth.email.verify',
      actorId: userId,
      targetType: 'user',
      targetId: String(userId),
    });
    return { emailVerified: true as const };
  }),

  /**
   * Mails a new verification link (the older one stops working). Nothing is sent when the address
   * is verified already; the answer is the same.
   */
  resendVerification: authedProcedure.mutation(async ({ ctx }) => {
    const { user } = ctx.viewer;
    await throttleVerificationMail(ctx, user.id);
    if (!user.emailVerifiedAt) {
      await ctx.db.transaction((tx) => queueEmailVerification(tx, ctx, user));
    }
    return { ok: true as const };
  }),

  /** Makes a requested email change take effect, from the link mailed to the new address. */
  confirmEmailChange: publicProcedure.input(accountTokenInput).mutation(async ({ ctx, input }) => {
    const { userId, from, to } = await confirmEmailChange(ctx, input.token);
    await audit(ctx, {
      action: 'user.email.change',
      actorId: userId,
      targetType: 'user',
      targetId: String(userId),
      details: { from, to },
    });
    return { email: to };
  }),
} satisfies TRPCRouterRecord;
