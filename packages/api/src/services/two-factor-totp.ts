// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) with the `otpauth` library: the
// secret, what an authenticator app scans, and checking a code at most once.
import { randomBytes } from 'node:crypto';
import { and, type Database, eq, isNull, lt, or, sql, users } from '@conduit/db';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** 160 bits: RFC 4226 asks for at least 128 and recommends 160, the length of a SHA-1 key. */
export const TOTP_SECRET_BYTES = 20;
/** Seconds per step, and digits per code: what every authenticator app uses by default. */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/**
 * Steps either side of now that are accepted, for clocks that drift and codes typed just as they
 * change (RFC 6238 section 5.2 recommends at most one).
 */
export const TOTP_WINDOW = 1;
export const TOTP_ISSUER = 'Conduit';

export function newTotpSecret(): Uint8Array {
  return new Uint8Array(randomBytes(TOTP_SECRET_BYTES));
}

function totpOf(secret: Uint8Array, label = TOTP_ISSUER): TOTP {
  // A copy: a Buffer from the driver may be a view into a larger shared pool.
  const bytes = Uint8Array.from(secret);
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    // SHA-1, as RFC 6238's default: several widespread apps ignore any other algorithm.
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
    secret: new Secret({ buffer: bytes.buffer }),
  });
}

/** The secret as base32 (RFC 4648, no padding), for typing into an app that cannot scan. */
export function secretAsText(secret: Uint8Array): string {
  return totpOf(secret).secret.base32;
}

/** The `otpauth://totp/...` URI that authenticator apps read from the QR code. */
export function otpauthUri(secret: Uint8Array, label: string): string {
  return totpOf(secret, label).toString();
}

/**
 * The URI as a QR code: an SVG made here (no third-party service ever sees the secret), as a
 * `data:` URL for an <img>. An image cannot run scripts, unlike SVG markup put into the page, and
 * the CSP already allows `img-src data:`.
 */
export async function qrCodeDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The RFC 6238 time step a moment falls in. */
export function timeStepAt(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_S);
}

/** The code for a step (tests, and nothing else, need to make codes). */
export function totpCodeAt(secret: Uint8Array, now: Date): string {
  return totpOf(secret).generate({ timestamp: now.getTime() });
}

/** The time step whose code `code` is, within the window around `now`, or null. */
export function matchingStep(secret: Uint8Array, code: string, now: Date): number | null {
  const delta = totpOf(secret).validate({
    token: code,
    timestamp: now.getTime(),
    window: TOTP_WINDOW,
  });
  return delta === null ? null : timeStepAt(now) + delta;
}

/**
 * Accepts `code` for the user holding `secret` once: the step it belongs to must be later than
 * the last accepted one, and recording it is one conditional update, so of two requests racing
 * with one code exactly one wins (RFC 6238 section 5.2: a code is never accepted twice). A code
 * of an earlier step than one already used is refused too. Checked against the secret it was
 * read with, so a secret replaced meanwhile does not take the old one's code.
 */
export async function acceptTotpCode(
  db: Database,
  userId: number,
  secret: Uint8Array,
  code: string,
  now: Date,
): Promise<number | null> {
  const step = matchingStep(secret, code, now);
  if (step === null) return null;
  const [accepted] = await db
    .update(users)
    .set({ totpLastStep: step })
    .where(
      and(
        eq(users.id, userId),
        sql`${users.totpSecret} = ${sql.param(Uint8Array.from(secret), users.totpSecret)}`,
        or(isNull(users.totpLastStep), lt(users.totpLastStep, step)),
      ),
    )
    .returning({ id: users.id });
  return accepted ? step : null;
}
