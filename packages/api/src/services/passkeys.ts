// Passkeys (WebAuthn) with @simplewebauthn/server: the options browsers get, the checks of what
// they answer, and the credentials kept (decision 023). The ceremonies' rules live here; the
// routers only say who may start them.
import { and, asc, type Database, eq, passkeys, sql, users } from '@conduit/db';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { z } from 'zod';
import type { AccountSettings, WebAuthnSettings } from '../context';
import type { authenticationResponseSchema, registrationResponseSchema } from '../schemas/passkey';
import { accountColumns } from './accounts';
import { CHALLENGE_TTL_MS } from './webauthn-challenges';

/** Enough for every device a person owns; a bound keeps one account from filling the table. */
export const MAX_PASSKEYS_PER_USER = 20;

/** The relying party: configured, or derived from the public origin (its host, that origin). */
export function webAuthnSettingsOf(accounts: AccountSettings): WebAuthnSettings {
  if (accounts.webauthn) return accounts.webauthn;
  const origin = new URL(accounts.publicOrigin);
  return { rpId: origin.hostname, rpName: 'Conduit', origins: [origin.origin] };
}

const KNOWN_TRANSPORTS: readonly AuthenticatorTransportFuture[] = [
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
];

function knownTransports(reported: readonly string[] | undefined): AuthenticatorTransportFuture[] {
  return (reported ?? []).filter((t): t is AuthenticatorTransportFuture =>
    KNOWN_TRANSPORTS.includes(t as AuthenticatorTransportFuture),
  );
}

/**
 * The user handle authenticators keep beside a discoverable credential: stable per account (so a
 * second registration on one device replaces, not duplicates) and free of personal data, as
 * WebAuthn §14.6.1 asks: the account's number, not its email or name.
 */
export function userHandleOf(userId: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`conduit:${userId}`);
}

const userHandleText = (userId: number) => Buffer.from(userHandleOf(userId)).toString('base64url');

/**
 * Options for `navigator.credentials.create()`: a discoverable credential (sign-in needs no
 * username), user verification required (a passkey sign-in stands for password and second factor
 * both), no attestation (any authenticator is welcome), the user's passkeys excluded.
 */
export async function registrationOptions(
  settings: WebAuthnSettings,
  user: { id: number; username: string },
  existing: { id: string; transports: string[] }[],
) {
  return generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId,
    userName: user.username,
    userDisplayName: user.username,
    userID: userHandleOf(user.id),
    timeout: CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({
      id: p.id,
      transports: knownTransports(p.transports),
    })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

/** Options for `navigator.credentials.get()`: no allow-list, the authenticator offers its passkeys. */
export async function authenticationOptions(settings: WebAuthnSettings) {
  return generateAuthenticationOptions({
    rpID: settings.rpId,
    allowCredentials: [],
    userVerification: 'required',
    timeout: CHALLENGE_TTL_MS,
  });
}

/** Why a ceremony's answer was refused, in words fit for the person and the audit log. */
export class PasskeyRefusal extends Error {
  override name = 'PasskeyRefusal';
}

/** The library's refusal (or its failure to read what was sent) as a PasskeyRefusal. */
function refusal(error: unknown): PasskeyRefusal {
  const message = error instanceof Error ? error.message : String(error);
  // Its words for a counter that went backwards are technical; this is what they mean.
  if (/counter value/i.test(message)) {
    return new PasskeyRefusal(
      'its signature counter went backwards: the passkey may have been copied',
    );
  }
  return new PasskeyRefusal(message.slice(0, 300));
}

type RegistrationResponse = z.infer<typeof registrationResponseSchema>;
type AuthenticationResponse = z.infer<typeof authenticationResponseSchema>;

/** Checks a new credential against its challenge, origin and relying party; its data to keep. */
export async function verifyRegistration(
  settings: WebAuthnSettings,
  response: RegistrationResponse,
  expectedChallenge: string,
) {
  const json: RegistrationResponseJSON = {
    ...response,
    authenticatorAttachment: response.authenticatorAttachment ?? undefined,
    clientExtensionResults: {},
    response: { ...response.response, transports: knownTransports(response.response.transports) },
  };
  const result = await verifyRegistrationResponse({
    response: json,
    expectedChallenge,
    expectedOrigin: settings.origins,
    expectedRPID: settings.rpId,
    requireUserVerification: true,
  }).catch((error: unknown) => Promise.reject(refusal(error)));
  if (!result.verified) throw new PasskeyRefusal('the authenticator’s answer did not verify');
  const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
  return {
    id: credential.id,
    publicKey: credential.publicKey,
    counter: credential.counter,
    transports: json.response.transports ?? [],
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
  };
}

/** A stored passkey with its owner, as a sign-in needs it. */
export async function findPasskeyForSignIn(db: Database, id: string) {
  const [row] = await db
    .select({
      passkey: {
        id: passkeys.id,
        publicKey: passkeys.publicKey,
        counter: passkeys.counter,
        transports: passkeys.transports,
      },
      account: accountColumns,
      disabledAt: users.disabledAt,
    })
    .from(passkeys)
    .innerJoin(users, eq(users.id, passkeys.userId))
    .where(eq(passkeys.id, id));
  return row;
}

type StoredPasskey = NonNullable<Awaited<ReturnType<typeof findPasskeyForSignIn>>>;

/**
 * Checks a sign-in's assertion: the challenge, origin and relying party, the signature by the
 * stored key, user verification, and the signature counter (refused when it went backwards,
 * WebAuthn §6.1.1), then records the use. The new counter is written only if nobody wrote one
 * since it was read, so two uses racing cannot both pass with the same count.
 */
export async function verifySignIn(
  db: Database,
  settings: WebAuthnSettings,
  response: AuthenticationResponse,
  expectedChallenge: string,
  stored: StoredPasskey,
  now: Date,
): Promise<void> {
  const { userHandle } = response.response;
  // WebAuthn §7.2 step 6: a user handle, when given, must be the credential owner's.
  if (userHandle && userHandle !== userHandleText(stored.account.id)) {
    throw new PasskeyRefusal('the passkey belongs to another account');
  }
  const json: AuthenticationResponseJSON = {
    ...response,
    authenticatorAttachment: response.authenticatorAttachment ?? undefined,
    clientExtensionResults: {},
    response: { ...response.response, userHandle: userHandle ?? undefined },
  };
  const result = await verifyAuthenticationResponse({
    response: json,
    expectedChallenge,
    expectedOrigin: settings.origins,
    expectedRPID: settings.rpId,
    credential: {
      id: stored.passkey.id,
      publicKey: new Uint8Array(stored.passkey.publicKey),
      counter: stored.passkey.counter,
      transports: knownTransports(stored.passkey.transports),
    },
    requireUserVerification: true,
  }).catch((error: unknown) => Promise.reject(refusal(error)));
  if (!result.verified) throw new PasskeyRefusal('the signature did not verify');
  const { newCounter, credentialBackedUp } = result.authenticationInfo;
  const updated = await db
    .update(passkeys)
    .set({ counter: newCounter, backedUp: credentialBackedUp, lastUsedAt: now })
    .where(and(eq(passkeys.id, stored.passkey.id), eq(passkeys.counter, stored.passkey.counter)))
    .returning({ id: passkeys.id });
  // Another sign-in moved the counter (or the passkey was removed) since it was read.
  if (updated.length === 0) throw new PasskeyRefusal('the passkey was used or removed meanwhile');
}

// The credentials kept ----------------------------------------------------------------------------

const passkeyView = {
  id: passkeys.id,
  name: passkeys.name,
  deviceType: passkeys.deviceType,
  backedUp: passkeys.backedUp,
  transports: passkeys.transports,
  createdAt: passkeys.createdAt,
  lastUsedAt: passkeys.lastUsedAt,
};

/** A user's passkeys, oldest first. */
export function listPasskeys(db: Database, userId: number) {
  return db
    .select(passkeyView)
    .from(passkeys)
    .where(eq(passkeys.userId, userId))
    .orderBy(asc(passkeys.createdAt), asc(passkeys.id));
}

export async function countPasskeys(db: Database, userId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(passkeys)
    .where(eq(passkeys.userId, userId));
  return row?.n ?? 0;
}

/** Keeps a verified credential; undefined when that credential is already registered. */
export async function storePasskey(
  db: Database,
  userId: number,
  credential: Awaited<ReturnType<typeof verifyRegistration>>,
  name: string,
) {
  const [stored] = await db
    .insert(passkeys)
    .values({ ...credential, userId, name })
    .onConflictDoNothing({ target: passkeys.id })
    .returning(passkeyView);
  return stored;
}

export async function renamePasskey(db: Database, userId: number, id: string, name: string) {
  const [renamed] = await db
    .update(passkeys)
    .set({ name })
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning(passkeyView);
  return renamed;
}

export async function removePasskey(db: Database, userId: number, id: string) {
  const [removed] = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning(passkeyView);
  return removed;
}

/** A passkey as its owner sees it. */
export function toPasskey(row: Awaited<ReturnType<typeof listPasskeys>>[number]) {
  return {
    id: row.id,
    name: row.name,
    deviceType: row.deviceType,
    backedUp: row.backedUp,
    transports: row.transports,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
