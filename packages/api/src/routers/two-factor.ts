// The signed-in user's second factor (TOTP): its state, enrolment, recovery codes, turning it off.
// Signing in with it is auth.login then auth.loginSecondFactor.
import type { TRPCRouterRecord } from '@trpc/server';
import { enableTwoFactorInput, sudoInput } from '../schemas/two-factor';
import {
  beginTwoFactor,
  disableTwoFactor,
  enableTwoFactor,
  regenerateRecoveryCodes,
  twoFactorStatus,
} from '../services/two-factor';
import { authedProcedure } from '../trpc';

export const twoFactorRouter = {
  status: authedProcedure.query(({ ctx }) => twoFactorStatus(ctx)),

  /** Sudo mode. A new secret as an otpauth:// URI, as text and as a QR code; not yet in use. */
  begin: authedProcedure
    .input(sudoInput)
    .mutation(({ ctx, input }) => beginTwoFactor(ctx, input?.currentPassword)),

  /** One code from the new secret turns it on; the ten recovery codes are shown this once. */
  enable: authedProcedure
    .input(enableTwoFactorInput)
    .mutation(({ ctx, input }) => enableTwoFactor(ctx, input.code)),

  /** Sudo mode. */
  disable: authedProcedure
    .input(sudoInput)
    .mutation(({ ctx, input }) => disableTwoFactor(ctx, input?.currentPassword)),

  /** Sudo mode. Ten new recovery codes; the old ones stop working. */
  regenerateRecoveryCodes: authedProcedure
    .input(sudoInput)
    .mutation(({ ctx, input }) => regenerateRecoveryCodes(ctx, input?.currentPassword)),
} satisfies TRPCRouterRecord;
