// Recovery codes: ten single-use codes that stand in for a lost authenticator app. Shown once;
// only their SHA-256 is kept.
import { createHash, randomBytes } from 'node:crypto';
import { and, count, type Database, eq, isNull, recoveryCodes } from '@conduit/db';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648 base32, lower-cased
const CODE_LENGTH = 10; // 50 random bits each

/**
 * A code shown as `abcde-fgh23`. 50 bits cannot be guessed at any rate the sign-in throttle
 * allows, so a fast unsalted hash is enough: a slow one defends low-entropy secrets (passwords).
 */
function newRecoveryCode(): string {
  // 32 divides 256: each byte's low five bits are one uniform character.
  const chars = [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET[byte & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** Case, spaces and dashes do not matter (the input schema already did this; kept for safety). */
const normalised = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

export const hashRecoveryCode = (code: string): Uint8Array =>
  new Uint8Array(createHash('sha256').update(normalised(code)).digest());

/**
 * Replaces the user's recovery codes with ten new ones and returns them: the only time they are
 * ever seen. Pass a transaction as `db` to make it part of a larger change.
 */
export async function replaceRecoveryCodes(
  db: Database,
  userId: number,
  now: Date,
): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await db
    .insert(recoveryCodes)
    .values(codes.map((code) => ({ userId, codeHash: hashRecoveryCode(code), createdAt: now })));
  return codes;
}

export async function deleteRecoveryCodes(db: Database, userId: number): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}

/**
 * Uses up one of the user's codes: true when `code` was an unused one. One conditional update, so
 * of two requests racing with one code exactly one succeeds.
 */
export async function useRecoveryCode(
  db: Database,
  userId: number,
  code: string,
  now: Date,
): Promise<boolean> {
  const used = await db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, hashRecoveryCode(code)),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return used.length > 0;
}

export async function recoveryCodesLeft(db: Database, userId: number): Promise<number> {
  const [row] = await db
    .select({ left: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return row?.left ?? 0;
}
