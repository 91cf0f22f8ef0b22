// The signed-in user's own account.
import { endSessions, hashPassword } from '@conduit/auth';
import { queueMail } from '@conduit/mail';
import type { TRPCRouterRecord } from '@trpc/server';
import { invalidate } from '../cache';
import { updateUserInput } from '../schemas/account';
import { refuseTaken, updateAccount } from '../services/accounts';
import { audit } from '../services/audit';
import { userTag } from '../services/cache-tags';
import { requestEmailChange } from '../services/email-verification';
import { requireRecentAuth } from '../services/reauth';
import { sessionCopiesIn } from '../session-cache';
import { authedProcedure } from '../trpc';
import { toUser } from './auth';
import { userDataProcedures } from './user-data';

export const userRouter = {
  update: authedProcedure.input(updateUserInput).mutation(async ({ ctx, input }) => {
    const { password, currentPassword: _current, ...profile } = input;
    const { user, session } = ctx.viewer;
    // Sudo mode: a new password or address needs a recent sign-in or the current password.
    const newEmail =
      profile.email !== undefined && profile.email.toLowerCase() !== user.email.toLowerCase();
    if (password !== undefined || newEmail) {
      await requireRecentAuth(ctx, input.currentPassword);
    }
    // A taken username and a taken new address are refused together, before anything is sent.
    await refuseTaken(
      ctx.db,
      { email: newEmail ? profile.email : undefined, username: profile.username },
      user.id,
    );
    const passwordHash = password === undefined ? undefined : await hashPassword(password);

    // A new address takes effect once a link mailed to it is opened (decision 019).
    const pendingEmail = newEmail ? profile.email : undefined;
    if (pendingEmail !== undefined) profile.email = undefined;

    const copies = sessionCopiesIn(ctx.cache);
    const { account, ended } = await endSessions(ctx.db, copies, async (tx, sessions) => {
      if (pendingEmail !== undefined) await requestEmailChange(tx, ctx, user, pendingEmail);
      const updated = await updateAccount(tx, user.id, { ...profile, passwordHash });
      // Cached copies of the user's sessions carry the user as it was: they reload (nobody else's).
      sessions.changedUser(user.id);
      // Whoever else held a session (perhaps the reason for the change) is signed out.
      const ended = passwordHash ? await sessions.end({ user: user.id, except: session.id }) : 0;
      // The owner hears of it at their address, in case it was not them.
      if (passwordHash) {
        await queueMail(tx, {
          to: user.email,
          template: 'password-changed',
          data: { username: updated.username },
        });
      }
      return { account: updated, ended };
    });
    if (passwordHash) {
      await audit(ctx, {
        action: 'auth.password.change',
        actorId: user.id,
        details: { endedSessions: ended },
      });
    }
    const changed = Object.keys(profile).filter(
      (key) => profile[key as keyof typeof profile] !== undefined,
    );
    if (pendingEmail !== undefined) {
      await audit(ctx, {
        action: 'user.email.change_requested',
        actorId: user.id,
        details: { to: pendingEmail },
      });
    }
    if (changed.length > 0) {
      await audit(ctx, { action: 'user.update', actorId: user.id, details: { changed } });
      // Name, bio and image are shown on the profile and with every article of the author.
      if (changed.some((key) => key !== 'email')) await invalidate(ctx.cache, userTag(user.id));
    }
    return { user: toUser(account), ...(pendingEmail === undefined ? {} : { pendingEmail }) };
  }),

  ...userDataProcedures,
} satisfies TRPCRouterRecord;
