// Signing up, in and out, and the sessions a user has open.
import {
  createSession,
  endSessions,
  hashPassword,
  listUserSessions,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from '@conduit/auth';
import { and, type Database, eq, sessions } from '@conduit/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Context } from '../context';
import { loginInput, registerInput } from '../schemas/account';
import { text } from '../schemas/text';
import { loginSecondFactorInput } from '../schemas/two-factor';
import { type Account, createAccount, findCredentials, updateAccount } from '../services/accounts';
import { audit } from '../services/audit';
import { queueEmailVerification } from '../services/email-verification';
import { refuseIfDisabled } from '../services/leaving';
import {
  countFailedLogin,
  forgetFailedLogins,
  throttleLogin,
  throttleRegistration,
} from '../services/throttle';
import { passSecondFactor, requireSecondFactor } from '../services/two-factor-login';
import { sessionCopiesIn } from '../session-cache';
import { authedProcedure, publicProcedure, signedInProcedure } from '../trpc';

/** The account as its owner sees it. */
export function toUser(
  account: Pick<Account, 'email' | 'username' | 'bio' | 'image' | 'role' | 'emailVerifiedAt'>,
) {
  return {
    email: account.email,
    username: account.username,
    bio: account.bio,
    image: account.image,
    role: account.role,
    emailVerified: account.emailVerifiedAt !== null,
  };
}

/** Starts a session: a fresh token every sign-in, set as the cookie and returned for API clients. */
export async function signIn(ctx: Context, account: Account) {
  const { token, session } = await createSession(ctx.db, account.id, ctx.meta);
  // The caller was nobody when the request came in: its reads to come are this account's, and
  // may be of what it just wrote (a new account, decision 039).
  await ctx.reads.wrote(account.id);
  ctx.sessionCookie.set(token, session.expiresAt);
  return { user: toUser(account), token };
}

/** The same answer for an unknown email and a wrong password, so neither can be told apart. */
const badCredentials = () =>
  new TRPCError({ code: 'UNAUTHORIZED', message: 'Email or password is incorrect' });

async function rehashIfWeak(db: Database, id: number, hash: string, password: string) {
  if (needsRehash(hash))
    await updateAccount(db, id, { passwordHash: await hashPassword(password) });
}

export const authRouter = {
  register: publicProcedure.input(registerInput).mutation(async ({ ctx, input }) => {
    await throttleRegistration(ctx);
    // The verification mail exists exactly when the account does (decision 019).
    const account = await createAccount(ctx.db, input, (tx, created) =>
      queueEmailVerification(tx, ctx, created),
    );
    await audit(ctx, {
      action: 'auth.register',
      actorId: account.id,
      targetType: 'user',
      targetId: String(account.id),
    });
    return signIn(ctx, account);
  }),

  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    await throttleLogin(ctx, input.email);
    const found = await findCredentials(ctx.db, input.email);
    // Unknown emails still pay for a hash check, so the answer takes as long as for a known one.
    const ok = found
      ? await verifyPassword(found.passwordHash, input.password)
      : await verifyAgainstDummy(input.password);
    if (!found || !ok) {
      await countFailedLogin(ctx, input.email);
      await audit(ctx, {
        action: 'auth.login.failed',
        actorId: found?.id ?? null,
        details: {
          email: input.email.toLowerCase(),
          reason: found ? 'wrong password' : 'unknown email',
        },
      });
      throw badCredentials();
    }
    await refuseIfDisabled(ctx, found);
    await forgetFailedLogins(ctx, input.email);
    await rehashIfWeak(ctx.db, found.id, found.passwordHash, input.password);
    // With a second factor on, no session yet: a pending sign-in for loginSecondFactor.
    await requireSecondFactor(ctx, found);
    const { passwordHash: _hash, disabledAt: _off, totpEnabledAt: _totp, ...account } = found;
    await audit(ctx, { action: 'auth.login.ok', actorId: account.id });
    return signIn(ctx, account);
  }),

  /** The second step of a sign-in with two-factor on: the pending token and a code. */
  loginSecondFactor: publicProcedure
    .input(loginSecondFactorInput)
    .mutation(async ({ ctx, input }) => signIn(ctx, await passSecondFactor(ctx, input))),

  logout: authedProcedure.mutation(async ({ ctx }) => {
    const session = ctx.viewer.session.id;
    await endSessions(ctx.db, sessionCopiesIn(ctx.cache), (_tx, sessions) =>
      sessions.end({ session }),
    );
    ctx.sessionCookie.clear();
    await audit(ctx, { action: 'auth.logout', actorId: ctx.viewer.user.id });
    return { ok: true as const };
  }),

  logoutAll: authedProcedure.mutation(async ({ ctx }) => {
    const user = ctx.viewer.user.id;
    const ended = await endSessions(ctx.db, sessionCopiesIn(ctx.cache), (_tx, sessions) =>
      sessions.end({ user }),
    );
    ctx.sessionCookie.clear();
    await audit(ctx, {
      action: 'auth.logout_all',
      actorId: ctx.viewer.user.id,
      details: { ended },
    });
    return { ended };
  }),

  me: signedInProcedure.query(({ ctx }) => ({ user: toUser(ctx.viewer.user) })),

  /** Who is signed in, or `null`: for pages that show either, without a 401 for visitors. */
  viewer: publicProcedure.query(({ ctx }) => ({
    user: ctx.viewer ? toUser(ctx.viewer.user) : null,
  })),

  sessions: authedProcedure.query(async ({ ctx }) => {
    const open = await listUserSessions(ctx.db, ctx.viewer.user.id);
    return {
      sessions: open.map((session) => ({
        id: session.id,
        userAgent: session.userAgent,
        ip: session.ip,
        createdAt: session.createdAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
        current: session.id === ctx.viewer.session.id,
      })),
    };
  }),

  revokeSession: authedProcedure
    .input(z.object({ id: text().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      // Only one's own sessions: someone else's id is "not found", never "forbidden".
      const [owned] = await ctx.db
        .select({ id: sessions.id })
        .from(sessions)
        .where(and(eq(sessions.id, input.id), eq(sessions.userId, ctx.viewer.user.id)));
      if (!owned) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such session' });
      await endSessions(ctx.db, sessionCopiesIn(ctx.cache), (_tx, sessions) =>
        sessions.end({ session: owned.id }),
      );
      const current = owned.id === ctx.viewer.session.id;
      if (current) ctx.sessionCookie.clear();
      await audit(ctx, {
        action: 'auth.session.revoke',
        actorId: ctx.viewer.user.id,
        targetType: 'session',
        targetId: owned.id,
      });
      return { revoked: owned.id, current };
    }),
} satisfies TRPCRouterRecord;
