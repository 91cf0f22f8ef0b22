// Session tokens as the Lucia guide makes them: `<id>.<secret>`, of which only SHA-256(secret) is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 4648 base32 in lower case: case-insensitive, no `+`, `/` or padding, safe in cookies and URLs. */
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** 15 random bytes = 120 bits = 24 base32 characters: the public half, the session's primary key. */
const ID_BYTES = 15;
/** 20 random bytes = 160 bits = 32 base32 characters (OWASP asks for at least 64 bits of entropy). */
const SECRET_BYTES = 20;

export const SESSION_ID_LENGTH = (ID_BYTES * 8) / 5;
export const SESSION_SECRET_LENGTH = (SECRET_BYTES * 8) / 5;
const TOKEN_LENGTH = SESSION_ID_LENGTH + 1 + SESSION_SECRET_LENGTH;
const TOKEN_PATTERN = new RegExp(
  `^([a-z2-7]{${SESSION_ID_LENGTH}})\\.([a-z2-7]{${SESSION_SECRET_LENGTH}})$`,
);

export function generateSessionToken(): { id: string; secret: string; token: string } {
  const id = encodeBase32(randomBytes(ID_BYTES));
  const secret = encodeBase32(randomBytes(SECRET_BYTES));
  return { id, secret, token: `${id}.${secret}` };
}

/** The two halves of a well-formed token, or null for anything else (never throws). */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  // Checked before the pattern so an oversized header costs nothing to refuse.
  if (typeof token !== 'string' || token.length !== TOKEN_LENGTH) return null;
  const match = TOKEN_PATTERN.exec(token);
  const [, id, secret] = match ?? [];
  return id && secret ? { id, secret } : null;
}

/** SHA-256 of the secret half: what the database keeps (a fast hash suffices for 160 random bits). */
export function hashSecret(secret: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(secret, 'utf8').digest());
}

/** Compares without leaking, through timing, how many leading bytes matched. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff; // at most 12 bits are ever pending
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET.charAt((buffer >> bits) & 31);
    }
  }
  if (bits > 0) out += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}
