// Turning the second factor (TOTP) on and off: enrolment in two steps (a new secret, then one code
// from it), recovery codes, and the audit entries and mail every change leaves.
import { and, type Database, eq, isNull, users } from '@conduit/db';
import { queueMail } from '@conduit/mail';
import type { SessionViewer } from '../access-token-policy';
import type { Context } from '../context';
import { conflict, invalidFields } from '../errors';
import { audit } from './audit';
import { requireRecentAuth } from './reauth';
import {
  deleteRecoveryCodes,
  recoveryCodesLeft,
  replaceRecoveryCodes,
} from './two-factor-recovery';
import {
  acceptTotpCode,
  newTotpSecret,
  otpauthUri,
  qrCodeDataUrl,
  secretAsText,
} from './two-factor-totp';

// Changed by a session only: personal access tokens never reach these (access-token-policy.ts).
type SignedIn = Context & { viewer: SessionViewer };

/** The user's second-factor columns. */
export async function totpStateOf(db: Database, userId: number) {
  const [row] = await db
    .select({
      secret: users.totpSecret,
      enabledAt: users.totpEnabledAt,
      lastStep: users.totpLastStep,
    })
    .from(users)
    .where(eq(users.id, userId));
  return row ?? { secret: null, enabledAt: null, lastStep: null };
}

export async function twoFactorStatus(ctx: SignedIn) {
  const userId = ctx.viewer.user.id;
  const state = await totpStateOf(ctx.db, userId);
  const enabled = state.enabledAt !== null;
  return {
    enabled,
    enabledAt: state.enabledAt?.toISOString() ?? null,
    /** Begun and not yet confirmed with a code. */
    pending: !enabled && state.secret !== null,
    recoveryCodesLeft: enabled ? await recoveryCodesLeft(ctx.db, userId) : 0,
  };
}

// 409s naming `twoFactor`, so REST answers them as RealWorld answers a clash: 422.
const alreadyOn = () =>
  conflict({ twoFactor: ['is already on: turn it off first to use a new secret'] });

/**
 * Step one, in sudo mode: a new secret, kept but not in use until a code from it is confirmed.
 * Beginning again replaces it (a QR code scanned by nobody is no loss).
 */
export async function beginTwoFactor(ctx: SignedIn, currentPassword: string | undefined) {
  await requireRecentAuth(ctx, currentPassword);
  const { user } = ctx.viewer;
  const secret = newTotpSecret();
  const [stored] = await ctx.db
    .update(users)
    .set({ totpSecret: secret, totpLastStep: null })
    .where(and(eq(users.id, user.id), isNull(users.totpEnabledAt)))
    .returning({ id: users.id });
  if (!stored) throw alreadyOn();
  await audit(ctx, { action: 'auth.two_factor.begin', actorId: user.id });
  const uri = otpauthUri(secret, user.email);
  return { otpauthUri: uri, secret: secretAsText(secret), qrCode: await qrCodeDataUrl(uri) };
}

/**
 * Step two: one code from the new secret proves the app holds it; then the second factor is on
 * and ten recovery codes are made, returned this once. No sudo mode here: only whoever began
 * (in sudo mode) has seen the secret.
 */
export async function enableTwoFactor(ctx: SignedIn, code: string) {
  const { user } = ctx.viewer;
  const now = ctx.now();
  const state = await totpStateOf(ctx.db, user.id);
  if (state.enabledAt) throw alreadyOn();
  const secret = state.secret;
  if (!secret) {
    throw invalidFields({ code: ['has nothing to confirm: begin setting up two-factor first'] });
  }
  const recoveryCodes = await ctx.db.transaction(async (tx) => {
    if (!(await acceptTotpCode(tx, user.id, secret, code, now))) return null;
    const [enabled] = await tx
      .update(users)
      .set({ totpEnabledAt: now })
      .where(and(eq(users.id, user.id), isNull(users.totpEnabledAt)))
      .returning({ id: users.id });
    if (!enabled) throw alreadyOn();
    const codes = await replaceRecoveryCodes(tx, user.id, now);
    await notify(tx, ctx, 'enabled');
    return codes;
  });
  if (!recoveryCodes) {
    throw invalidFields({
      code: ['is not the code your authenticator app shows now (is its clock right?)'],
    });
  }
  await audit(ctx, { action: 'auth.two_factor.enable', actorId: user.id });
  return { enabled: true as const, recoveryCodes };
}

/**
 * In sudo mode: the secret and its recovery codes go (a pending sign-in then finds no second factor
 * and has to start again). Idempotent.
 */
export async function disableTwoFactor(ctx: SignedIn, currentPassword: string | undefined) {
  await requireRecentAuth(ctx, currentPassword);
  const { user } = ctx.viewer;
  const wasOn = await ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select({ enabledAt: users.totpEnabledAt })
      .from(users)
      .where(eq(users.id, user.id))
      .for('update');
    await tx
      .update(users)
      .set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null })
      .where(eq(users.id, user.id));
    await deleteRecoveryCodes(tx, user.id);
    const on = Boolean(before?.enabledAt);
    if (on) await notify(tx, ctx, 'disabled');
    return on;
  });
  if (wasOn) await audit(ctx, { action: 'auth.two_factor.disable', actorId: user.id });
  return { enabled: false as const };
}

/** In sudo mode: ten new recovery codes, the old ones void (a lost or used-up printout). */
export async function regenerateRecoveryCodes(ctx: SignedIn, currentPassword: string | undefined) {
  await requireRecentAuth(ctx, currentPassword);
  const { user } = ctx.viewer;
  const now = ctx.now();
  const recoveryCodes = await ctx.db.transaction(async (tx) => {
    const [on] = await tx
      .select({ enabledAt: users.totpEnabledAt })
      .from(users)
      .where(eq(users.id, user.id))
      .for('update');
    if (!on?.enabledAt) return null;
    const codes = await replaceRecoveryCodes(tx, user.id, now);
    await notify(tx, ctx, 'recovery-codes');
    return codes;
  });
  if (!recoveryCodes) {
    throw conflict({ twoFactor: ['is off: there are no recovery codes to replace'] });
  }
  await audit(ctx, { action: 'auth.two_factor.recovery_codes', actorId: user.id });
  return { recoveryCodes };
}

/** The owner hears of every change (OWASP: notify on changes to authentication factors). */
function notify(tx: Database, ctx: SignedIn, change: 'enabled' | 'disabled' | 'recovery-codes') {
  const { email, username } = ctx.viewer.user;
  return queueMail(tx, { to: email, template: 'two-factor-changed', data: { username, change } });
}
