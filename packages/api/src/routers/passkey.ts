// The signed-in user's passkeys: registering one (two steps: options, then the browser's answer),
// listing, renaming and removing them. Adding and removing are sensitive (sudo mode); signing in
// with a passkey is passkey-auth.ts's.
import type { TRPCRouterRecord } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import type { Context } from '../context';
import { conflict, invalidFields } from '../errors';
import {
  passkeyRegisterInput,
  passkeyRegistrationOptionsInput,
  passkeyRemoveInput,
  passkeyRenameInput,
} from '../schemas/passkey';
import { audit } from '../services/audit';
import {
  countPasskeys,
  listPasskeys,
  MAX_PASSKEYS_PER_USER,
  PasskeyRefusal,
  registrationOptions,
  removePasskey,
  renamePasskey,
  storePasskey,
  toPasskey,
  verifyRegistration,
  webAuthnSettingsOf,
} from '../services/passkeys';
import { requireRecentAuth } from '../services/reauth';
import { storeChallenge, takeChallenge } from '../services/webauthn-challenges';
import { authedProcedure } from '../trpc';

type SignedIn = Context & { viewer: NonNullable<Context['viewer']> };

async function refuseWhenFull(ctx: SignedIn): Promise<void> {
  if ((await countPasskeys(ctx.db, ctx.viewer.user.id)) >= MAX_PASSKEYS_PER_USER) {
    throw invalidFields({
      passkeys: [`are at most ${MAX_PASSKEYS_PER_USER} per account: remove one first`],
    });
  }
}

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'No such passkey' });

/** The audit entry of a change to one of the viewer's passkeys, naming it. */
function auditPasskey(
  ctx: SignedIn,
  action: 'auth.passkey.rename' | 'auth.passkey.remove',
  passkey: { id: string; name: string },
) {
  return audit(ctx, {
    action,
    actorId: ctx.viewer.user.id,
    targetType: 'passkey',
    targetId: passkey.id,
    details: { name: passkey.name },
  });
}

export const passkeyRouter = {
  /**
   * Step 1 of adding a passkey: the options for `navigator.credentials.create()` and the id of
   * their challenge (valid 5 minutes, once). Sudo mode: a recent sign-in or `currentPassword`.
   */
  registrationOptions: authedProcedure
    .input(passkeyRegistrationOptionsInput)
    .mutation(async ({ ctx, input }) => {
      await requireRecentAuth(ctx, input?.currentPassword);
      await refuseWhenFull(ctx);
      const { user } = ctx.viewer;
      const existing = await listPasskeys(ctx.db, user.id);
      const options = await registrationOptions(webAuthnSettingsOf(ctx.accounts), user, existing);
      const challengeId = await storeChallenge(ctx.db, {
        purpose: 'registration',
        userId: user.id,
        challenge: options.challenge,
        now: ctx.now(),
      });
      return { challengeId, options };
    }),

  /** Step 2: the browser's answer, checked against the challenge; the passkey is kept. */
  register: authedProcedure.input(passkeyRegisterInput).mutation(async ({ ctx, input }) => {
    const { user } = ctx.viewer;
    const challenge = await takeChallenge(
      ctx.db,
      input.challengeId,
      'registration',
      user.id,
      ctx.now(),
    );
    if (!challenge) {
      throw invalidFields({ challengeId: ['is unknown, used or expired: start again'] });
    }
    await refuseWhenFull(ctx);
    const settings = webAuthnSettingsOf(ctx.accounts);
    const credential = await verifyRegistration(settings, input.response, challenge).catch(
      (error: unknown) => {
        if (error instanceof PasskeyRefusal) throw invalidFields({ response: [error.message] });
        throw error;
      },
    );
    const stored = await storePasskey(ctx.db, user.id, credential, input.name);
    if (!stored) throw conflict({ response: ['this passkey is already registered'] });
    await audit(ctx, {
      action: 'auth.passkey.add',
      actorId: user.id,
      targetType: 'passkey',
      targetId: stored.id,
      details: { name: stored.name, deviceType: stored.deviceType, backedUp: stored.backedUp },
    });
    return { passkey: toPasskey(stored) };
  }),

  list: authedProcedure.query(async ({ ctx }) => ({
    passkeys: (await listPasskeys(ctx.db, ctx.viewer.user.id)).map(toPasskey),
  })),

  /** A new name only: nothing about signing in changes, so no sudo mode. */
  rename: authedProcedure.input(passkeyRenameInput).mutation(async ({ ctx, input }) => {
    const renamed = await renamePasskey(ctx.db, ctx.viewer.user.id, input.id, input.name);
    if (!renamed) throw notFound();
    await auditPasskey(ctx, 'auth.passkey.rename', renamed);
    return { passkey: toPasskey(renamed) };
  }),

  /**
   * Sudo mode. The account keeps its password, so removing the last passkey locks nobody out.
   * Sessions the passkey started stay: ending them is the sessions list's job.
   */
  remove: authedProcedure.input(passkeyRemoveInput).mutation(async ({ ctx, input }) => {
    await requireRecentAuth(ctx, input.currentPassword);
    const removed = await removePasskey(ctx.db, ctx.viewer.user.id, input.id);
    if (!removed) throw notFound();
    await auditPasskey(ctx, 'auth.passkey.remove', removed);
    return { removed: removed.id };
  }),
} satisfies TRPCRouterRecord;
