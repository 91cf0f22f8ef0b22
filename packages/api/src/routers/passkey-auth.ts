// Signing in with a passkey instead of a password: `auth.passkeyOptions`, then
// `auth.passkeyLogin` with the browser's answer. Mounted under `auth` by root.ts, kept apart so
// the password sign-in's file stays about passwords. A passkey verified with user verification
// is something held and something known or been (WebAuthn §6.2.3): it satisfies the second
// factor, so a passkey sign-in starts the session at once (decision 023).
import type { TRPCRouterRecord } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import type { Context } from '../context';
import { invalidFields } from '../errors';
import { passkeyLoginInput } from '../schemas/passkey';
import { audit } from '../services/audit';
import {
  authenticationOptions,
  findPasskeyForSignIn,
  PasskeyRefusal,
  verifySignIn,
  webAuthnSettingsOf,
} from '../services/passkeys';
import { countFailureFromIp, countSignInAttempt, refuseIfIpFailing } from '../services/throttle';
import { storeChallenge, takeChallenge } from '../services/webauthn-challenges';
import { publicProcedure } from '../trpc';
import { signIn } from './auth';

/** Records a refused passkey sign-in (counted for the IP) and makes the answer to give. */
async function refuse(
  ctx: Context,
  reason: string,
  fields: { actorId?: number | null; passkey?: string } = {},
  error: TRPCError = new TRPCError({ code: 'UNAUTHORIZED', message: `Passkey refused: ${reason}` }),
): Promise<TRPCError> {
  await countFailureFromIp(ctx);
  await audit(ctx, {
    action: 'auth.login.failed',
    actorId: fields.actorId ?? null,
    details: { method: 'passkey', reason, ...(fields.passkey ? { passkey: fields.passkey } : {}) },
  });
  return error;
}

export const passkeySignIn = {
  /** The options for `navigator.credentials.get()`, and their challenge's id (5 minutes, once). */
  passkeyOptions: publicProcedure.mutation(async ({ ctx }) => {
    // The password sign-in's counters per IP: switching method buys a guesser nothing.
    await countSignInAttempt(ctx);
    const options = await authenticationOptions(webAuthnSettingsOf(ctx.accounts));
    const challengeId = await storeChallenge(ctx.db, {
      purpose: 'authentication',
      userId: null,
      challenge: options.challenge,
      now: ctx.now(),
    });
    return { challengeId, options };
  }),

  /** Checks the browser's answer and, when it proves a registered passkey, signs its owner in. */
  passkeyLogin: publicProcedure.input(passkeyLoginInput).mutation(async ({ ctx, input }) => {
    await refuseIfIpFailing(ctx);
    const challenge = await takeChallenge(
      ctx.db,
      input.challengeId,
      'authentication',
      null,
      ctx.now(),
    );
    if (!challenge) {
      throw await refuse(
        ctx,
        'unknown, used or expired challenge',
        {},
        invalidFields({ challengeId: ['is unknown, used or expired: start again'] }),
      );
    }
    const found = await findPasskeyForSignIn(ctx.db, input.response.id);
    if (!found) {
      throw await refuse(ctx, 'this passkey is not registered here (it may have been removed)');
    }
    const who = { actorId: found.account.id, passkey: found.passkey.id };
    const settings = webAuthnSettingsOf(ctx.accounts);
    try {
      await verifySignIn(ctx.db, settings, input.response, challenge, found, ctx.now());
    } catch (error) {
      if (error instanceof PasskeyRefusal) throw await refuse(ctx, error.message, who);
      throw error;
    }
    // Only after the passkey is proven: its holder alone learns the account is disabled.
    if (found.disabledAt) {
      throw await refuse(
        ctx,
        'account disabled',
        who,
        new TRPCError({ code: 'FORBIDDEN', message: 'This account has been disabled' }),
      );
    }
    const signedIn = await signIn(ctx, found.account);
    await audit(ctx, {
      action: 'auth.login.ok',
      actorId: found.account.id,
      details: { method: 'passkey', passkey: found.passkey.id },
    });
    return signedIn;
  }),
} satisfies TRPCRouterRecord;
