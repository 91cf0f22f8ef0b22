// Sudo mode: sensitive changes (password, email, second factor, passkeys, deleting the account)
// need proof that whoever holds the session is its owner, now: a sign-in within the last
// `reauthWindowMs`, or the current password given with the change. A long-lived stolen session
// alone cannot take the account over; a client that has just signed in (the RealWorld flow) is
// not asked twice.
import { markSessionAuthenticated, verifyPassword } from '@conduit/auth';
import type { SessionViewer } from '../access-token-policy';
import type { Context } from '../context';
import { invalidFields } from '../errors';
import { sessionCopiesIn } from '../session-cache';
import { findCredentials } from './accounts';
import { countFailedLogin, throttleLogin } from './throttle';

type SignedIn = Context & { viewer: SessionViewer };

/** Whether the session proved its holder recently enough for a sensitive change without asking. */
export function isRecentlyAuthenticated(ctx: SignedIn): boolean {
  const elapsed = ctx.now().getTime() - ctx.viewer.session.authenticatedAt.getTime();
  return elapsed >= 0 && elapsed <= ctx.accounts.reauthWindowMs;
}

/**
 * Passes when the session signed in recently or `currentPassword` is the account's password (which
 * renews the session's proof, so the next change within the window is not asked again). Wrong
 * passwords count as failed logins. Otherwise refuses, naming `currentPassword` as what is needed.
 */
export async function requireRecentAuth(
  ctx: SignedIn,
  currentPassword: string | undefined,
): Promise<void> {
  if (currentPassword === undefined) {
    if (isRecentlyAuthenticated(ctx)) return;
    const minutes = Math.round(ctx.accounts.reauthWindowMs / 60_000);
    throw invalidFields({
      currentPassword: [
        `is required for this change: you signed in more than ${minutes} minutes ago`,
      ],
    });
  }
  const { user, session } = ctx.viewer;
  await throttleLogin(ctx, user.email);
  const credentials = await findCredentials(ctx.db, user.email);
  if (!credentials || !(await verifyPassword(credentials.passwordHash, currentPassword))) {
    await countFailedLogin(ctx, user.email);
    throw invalidFields({ currentPassword: ['is incorrect'] });
  }
  await markSessionAuthenticated(ctx.db, session.id, ctx.now());
  // The cached copy carries the old time: the next request reads the new one.
  await sessionCopiesIn(ctx.cache).forget([session.id]);
}
