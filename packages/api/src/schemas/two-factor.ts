// Field rules for the second factor (TOTP codes, recovery codes), shared by the procedures, the
// REST adapter and the docs.
import { PASSWORD_MAX_LENGTH } from '@conduit/auth';
import { z } from 'zod';
import { text } from './text';

/** Sudo mode's proof, when the session's sign-in is older than the re-authentication window. */
const currentPassword = z
  .string()
  .max(PASSWORD_MAX_LENGTH * 4)
  .optional();

/** Spaces are dropped: apps show "123 456" and people type what they see. */
export const totpCodeSchema = text()
  .max(32, { error: 'must be the 6 digits your authenticator app shows' })
  .transform((value) => value.replace(/\s/g, ''))
  .pipe(
    z.string().regex(/^\d{6}$/, { error: 'must be the 6 digits your authenticator app shows' }),
  );

/** Case, spaces and dashes are ignored: "ABCDE-FGH23" and "abcdefgh23" are the same code. */
export const recoveryCodeSchema = text()
  .max(64, { error: 'must be one of your recovery codes, such as abcde-fgh23' })
  .transform((value) => value.toLowerCase().replace(/[\s-]/g, ''))
  .pipe(
    z.string().regex(/^[a-z2-7]{10}$/, {
      error: 'must be one of your recovery codes, such as abcde-fgh23',
    }),
  );

/** A pending sign-in's token, as `auth.login` handed it out. */
const pendingTokenSchema = text()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'is not a sign-in token' });

export const sudoInput = z.object({ currentPassword }).optional();

export const enableTwoFactorInput = z.object({ code: totpCodeSchema });

/** The second step of a sign-in: the pending token and either a code or a recovery code. */
export const loginSecondFactorInput = z
  .object({
    token: pendingTokenSchema,
    code: totpCodeSchema.optional(),
    recoveryCode: recoveryCodeSchema.optional(),
  })
  .refine((input) => (input.code === undefined) !== (input.recoveryCode === undefined), {
    error: 'is required: give the code from your authenticator app or a recovery code, not both',
    path: ['code'],
  });
