// Field rules for passkeys: the JSON a browser makes of a WebAuthn ceremony's result (the
// `toJSON()` shapes of W3C WebAuthn level 3, which @simplewebauthn/browser produces too), held to
// sizes no real authenticator exceeds, so garbage is a 400 naming the field, never a 500.
import { PASSWORD_MAX_LENGTH } from '@conduit/auth';
import { z } from 'zod';
import { text } from './text';

/** Bytes as the JSON forms carry them: base64url without padding. */
function base64url(maxChars: number, what: string) {
  return z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(maxChars, { error: `must be at most ${maxChars} characters` })
    .regex(/^[A-Za-z0-9_-]+$/, { error: `must be ${what} in base64url (A-Z a-z 0-9 - _)` });
}

/** A credential id: at most 1023 bytes (WebAuthn §5.10.3), so 1364 base64url characters. */
export const passkeyIdSchema = base64url(1364, 'a credential id');

/** Transports browsers report; unknown future ones are accepted and dropped when stored. */
const transports = z
  .array(z.string().max(32, { error: 'must be at most 32 characters' }))
  .max(16, { error: 'must list at most 16 transports' });

const attachment = z
  .enum(['platform', 'cross-platform'], { error: 'must be platform or cross-platform' })
  .nullish();

/**
 * Extension outputs are the client's own report and nothing here relies on them: an object, whose
 * contents are dropped. The known keys are named so the browsers' own type fits the input's.
 */
const extensionResults = z
  .object({
    appid: z.unknown().optional(),
    credProps: z.unknown().optional(),
    hmacCreateSecret: z.unknown().optional(),
  })
  .optional();

const credentialType = z.literal('public-key', { error: 'must be public-key' });

/** What `navigator.credentials.create()` gives, as JSON (RegistrationResponseJSON). */
export const registrationResponseSchema = z.object({
  id: passkeyIdSchema,
  rawId: passkeyIdSchema,
  type: credentialType,
  response: z.object({
    clientDataJSON: base64url(8192, 'client data'),
    // Attestation 'none' is a few hundred bytes; certificate chains of other formats a few KiB.
    attestationObject: base64url(65_536, 'an attestation object'),
    authenticatorData: base64url(16_384, 'authenticator data').optional(),
    transports: transports.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(8192, 'a public key').optional(),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults: extensionResults,
});

/** What `navigator.credentials.get()` gives, as JSON (AuthenticationResponseJSON). */
export const authenticationResponseSchema = z.object({
  id: passkeyIdSchema,
  rawId: passkeyIdSchema,
  type: credentialType,
  response: z.object({
    clientDataJSON: base64url(8192, 'client data'),
    authenticatorData: base64url(16_384, 'authenticator data'),
    signature: base64url(2048, 'a signature'),
    // At most 64 bytes (WebAuthn §5.4.3); some clients send null for none.
    userHandle: base64url(88, 'a user handle').nullish(),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults: extensionResults,
});

/** The id options came with: which stored challenge the browser signed. */
export const challengeIdSchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(64, { error: 'must be at most 64 characters' })
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'must be the challengeId the options came with' });

/** The owner's name for a passkey ("laptop"): 1 to 64 characters, as the database allows. */
export const passkeyNameSchema = text()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(64, { error: 'must be at most 64 characters' });

/** Sudo mode's proof when the session's sign-in is not recent (services/reauth.ts). */
const currentPassword = z
  .string()
  .max(PASSWORD_MAX_LENGTH * 4)
  .optional();

export const passkeyRegistrationOptionsInput = z.object({ currentPassword }).optional();

export const passkeyRegisterInput = z.object({
  challengeId: challengeIdSchema,
  response: registrationResponseSchema,
  name: passkeyNameSchema,
});

export const passkeyRenameInput = z.object({ id: passkeyIdSchema, name: passkeyNameSchema });

export const passkeyRemoveInput = z.object({ id: passkeyIdSchema, currentPassword });

export const passkeyLoginInput = z.object({
  challengeId: challengeIdSchema,
  response: authenticationResponseSchema,
});
