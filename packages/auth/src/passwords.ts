// Password hashing with argon2id. hash/verify run on libuv's thread pool, never on the event loop.
import { randomBytes } from 'node:crypto';
import { type Algorithm, hash, type Options, parseOptions, verify } from '@node-rs/argon2';

/** Lengths in Unicode code points (`[...password].length`); any character, spaces included. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * OWASP Password Storage Cheat Sheet, "Argon2id": "a minimum configuration of 19 MiB of memory, an
 * iteration count of 2, and 1 degree of parallelism" (m=19456 KiB, t=2, p=1).
 * https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 * Raising a value here makes `needsRehash` true for older hashes, which are upgraded at next login.
 */
export const ARGON2_OPTIONS = Object.freeze({
  // Algorithm.Argon2id; the package's `Algorithm` is a const enum, which esbuild leaves as `{}`.
  algorithm: 2 as Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
}) satisfies Options;

/** Version 0x13 (19), the current Argon2 version (`Version.V0x13`, also a const enum). */
const ARGON2_VERSION_0X13 = 1;
/** This package makes 16-byte salts; anything shorter came from elsewhere and is worth redoing. */
const MIN_SALT_BYTES = 16;

/**
 * The argon2id PHC string for a password. The whole password is hashed (no truncation); it is
 * normalised to NFC first so the same text typed on two systems (é as one code point or as e and a
 * combining accent) is the same password. Lengths outside the policy are refused here as well as
 * at the edge, so no code path can store a hash of a password the policy forbids.
 */
export async function hashPassword(password: string): Promise<string> {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new RangeError(
      `A password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
    );
  }
  return hash(password.normalize('NFC'), ARGON2_OPTIONS);
}

/** Whether the password matches the stored hash; false, never an exception, for a malformed hash. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password.normalize('NFC'));
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of a real verification and fails. Login calls it when no account has the email,
 * so the answer's timing does not tell whether the email is registered. The dummy hash is made
 * once, on first use, with the current options, so it always costs what a real one does.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS).catch((error) => {
    dummyHash = undefined;
    throw error;
  });
  await verifyPassword(await dummyHash, password);
  return false;
}

/** True when the stored hash is weaker than ARGON2_OPTIONS (or not an argon2 hash we can read). */
export function needsRehash(storedHash: string): boolean {
  let stored: ReturnType<typeof parseOptions>;
  try {
    stored = parseOptions(storedHash);
  } catch {
    return true;
  }
  return (
    stored.algorithm !== ARGON2_OPTIONS.algorithm ||
    stored.version !== ARGON2_VERSION_0X13 ||
    stored.memoryCost < ARGON2_OPTIONS.memoryCost ||
    stored.timeCost < ARGON2_OPTIONS.timeCost ||
    stored.parallelism < ARGON2_OPTIONS.parallelism ||
    stored.outputLen < ARGON2_OPTIONS.outputLen ||
    stored.saltLen < MIN_SALT_BYTES
  );
}
