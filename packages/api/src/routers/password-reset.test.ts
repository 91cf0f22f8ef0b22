// Password reset through tRPC (issue 14 item 3; OWASP Forgot Password cheat sheet): the same answer
// whether or not the address has an account, single-use links valid for an hour with the newest
// the only one that works, throttling per IP and per address, every session ended.
import { auditLog, type Database, eq, mailOutbox, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, refusedFields, signUp } from '../../test/callers';
import { latestToken, linkIn, mailTo, memoryLimiter } from '../../test/mailbox';
import { createTRPCContext, defaultAccountSettings, defaultAuthLimits } from '../context';
import { createCaller, type RateLimiter } from '../index';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const accounts = {
  ...defaultAccountSettings,
  publicOrigin: 'https://conduit.test',
  resetAnswerFloorMs: 0,
};
const HOUR = 60 * 60_000;
const inFuture = (ms: number) => () => new Date(Date.now() + ms);

/** A visitor (no session) from `ip`, with the given limiter and clock. */
function visitor(
  options: { ip?: string; limiter?: RateLimiter; now?: () => Date; floorMs?: number } = {},
) {
  return createCaller(() =>
    createTRPCContext({
      db,
      meta: { ip: options.ip ?? '198.51.100.1', userAgent: 'vitest' },
      accounts: { ...accounts, resetAnswerFloorMs: options.floorMs ?? 0 },
      ...(options.limiter ? { limiter: options.limiter } : {}),
      ...(options.now ? { now: options.now } : {}),
    }),
  );
}

const resetToken = (email: string) => latestToken(db, email, 'password-reset');

describe('account.requestPasswordReset', () => {
  it('mails a one-hour link to the account’s own address, with the token in the fragment', async () => {
    const me = await signUp(db, { username: 'forgetful' });
    const answer = await visitor().account.requestPasswordReset({ email: 'FORGETFUL@example.com' });
    expect(answer).toEqual({ ok: true });
    const [mail] = await mailTo(db, me.user.email, 'password-reset');
    expect(mail?.subject).toBe('Reset your password');
    expect(mail?.textBody).toMatch(/for 60 minutes/);
    const { link } = linkIn(mail as never);
    expect(link).toMatch(/^https:\/\/conduit\.test\/reset-password#token=[^?&]+$/);
  });

  it('answers an unknown address exactly as a known one, mails nothing, and audits both', async () => {
    await signUp(db, { username: 'known' });
    const known = await visitor().account.requestPasswordReset({ email: 'known@example.com' });
    const unknown = await visitor().account.requestPasswordReset({ email: 'nobody@example.com' });
    expect(unknown).toEqual(known);
    expect(await mailTo(db, 'nobody@example.com')).toEqual([]);
    const entries = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'auth.password.reset_requested'));
    expect(entries.map((e) => e.details)).toEqual([
      { email: 'known@example.com', known: true },
      { email: 'nobody@example.com', known: false },
    ]);
  });

  it('takes about as long for a known address as for an unknown one', async () => {
    await signUp(db, { username: 'timed' });
    const timed = async (email: string) => {
      const started = performance.now();
      await visitor({ floorMs: 250 }).account.requestPasswordReset({ email });
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      known.push(await timed('timed@example.com'));
      unknown.push(await timed(`nobody${i}@example.com`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2] ?? 0;
    for (const ms of [...known, ...unknown]) expect(ms).toBeGreaterThanOrEqual(249);
    expect(Math.abs(median(known) - median(unknown))).toBeLessThan(60);
  });

  it('is throttled per address, known or not, and per IP', async () => {
    await signUp(db, { username: 'flooded' });
    const limiter = memoryLimiter();
    const perAddress = defaultAuthLimits.passwordResetsPerAddress.max;
    for (const email of ['flooded@example.com', 'ghost@example.com']) {
      for (let i = 0; i < perAddress; i += 1) {
        await visitor({ limiter, ip: `198.51.100.${10 + i}` }).account.requestPasswordReset({
          email,
        });
      }
      // Another IP, same address: still refused, the same way for both.
      const refused = await failure(
        visitor({ limiter, ip: '198.51.100.99' }).account.requestPasswordReset({ email }),
      );
      expect(refused.code).toBe('TOO_MANY_REQUESTS');
    }
    expect(await mailTo(db, 'flooded@example.com', 'password-reset')).toHaveLength(perAddress);

    const ipLimiter = memoryLimiter();
    const perIp = defaultAuthLimits.passwordResetsPerIp.max;
    for (let i = 0; i < perIp; i += 1) {
      await visitor({ limiter: ipLimiter }).account.requestPasswordReset({
        email: `someone${i}@example.com`,
      });
    }
    expect(
      await codeOf(
        visitor({ limiter: ipLimiter }).account.requestPasswordReset({ email: 'new@example.com' }),
      ),
    ).toBe('TOO_MANY_REQUESTS');
  });
});

describe('account.resetPassword', () => {
  it('sets the password, ends every session, mails a notice, audits, and signs nobody in', async () => {
    const me = await signUp(db, { username: 'locked' });
    const elsewhere = await callerFor(db).auth.login({
      email: me.user.email,
      password: me.password,
    });
    await visitor().account.requestPasswordReset({ email: me.user.email });
    const token = await resetToken(me.user.email);

    expect(await visitor().account.checkResetToken({ token })).toEqual({ valid: true });
    const answer = await visitor().account.resetPassword({ token, password: 'a brand new one' });
    expect(answer).toEqual({ ok: true });

    for (const t of [me.token, elsewhere.token]) {
      expect(await codeOf(callerFor(db, t).auth.me())).toBe('UNAUTHORIZED');
    }
    expect(
      await codeOf(visitor().auth.login({ email: me.user.email, password: me.password })),
    ).toBe('UNAUTHORIZED');
    const signedIn = await visitor().auth.login({
      email: me.user.email,
      password: 'a brand new one',
    });
    // The link proved the mailbox: the address is verified too.
    expect(signedIn.user.emailVerified).toBe(true);
    expect(await mailTo(db, me.user.email, 'password-changed')).toHaveLength(1);
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'auth.password.reset'));
    expect(entry?.details).toEqual({ endedSessions: 2, revokedPats: 0, emailVerified: true });
  });

  it('works once: a used, expired, superseded or forged link gets one 400 naming token', async () => {
    const me = await signUp(db, { username: 'once' });
    const reset = (token: string, now?: () => Date) =>
      failure(
        visitor(now ? { now } : {}).account.resetPassword({ token, password: 'whatever it is' }),
      );
    const expectRefused = async (token: string, now?: () => Date) => {
      const error = await reset(token, now);
      expect([error.code, error.message]).toEqual([
        'BAD_REQUEST',
        'token: is invalid or has expired: ask for a new link',
      ]);
    };

    await visitor().account.requestPasswordReset({ email: me.user.email });
    const first = await resetToken(me.user.email);
    await visitor().account.requestPasswordReset({ email: me.user.email });
    const second = await resetToken(me.user.email);
    expect(second).not.toBe(first);
    await expectRefused(first); // superseded by the newer link
    expect(await visitor().account.checkResetToken({ token: first })).toEqual({ valid: false });

    await expectRefused(second, inFuture(HOUR + 1000)); // expired after an hour
    await visitor({ now: inFuture(HOUR - 60_000) }).account.resetPassword({
      token: second,
      password: 'just in time',
    });
    await expectRefused(second); // used
    await expectRefused(`${second.slice(0, -4)}AAAA`); // forged secret
    await expectRefused('not-a-token');
  });

  it('lets exactly one of two racing requests use a link', async () => {
    const me = await signUp(db, { username: 'racer' });
    await visitor().account.requestPasswordReset({ email: me.user.email });
    const token = await resetToken(me.user.email);
    const results = await Promise.allSettled(
      ['first racer wins', 'second racer wins'].map((password) =>
        visitor().account.resetPassword({ token, password }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await mailTo(db, me.user.email, 'password-changed')).toHaveLength(1);
  });

  it('refuses a weak password naming the field, and keeps the link for another try', async () => {
    const me = await signUp(db, { username: 'weak' });
    await visitor().account.requestPasswordReset({ email: me.user.email });
    const token = await resetToken(me.user.email);
    expect(
      await refusedFields(visitor().account.resetPassword({ token, password: 'short' })),
    ).toEqual(['password']);
    await visitor().account.resetPassword({ token, password: 'long enough now' });
  });

  it('forgets the failed sign-ins that locked the account', async () => {
    const me = await signUp(db, { username: 'guessed' });
    const limiter = memoryLimiter();
    const guesser = visitor({ limiter });
    for (let i = 0; i < defaultAuthLimits.loginFailuresPerAccount.max; i += 1) {
      await failure(guesser.auth.login({ email: me.user.email, password: `guess ${i}` }));
    }
    const owner = visitor({ limiter, ip: '198.51.100.200' });
    expect(await codeOf(owner.auth.login({ email: me.user.email, password: me.password }))).toBe(
      'TOO_MANY_REQUESTS',
    );
    await owner.account.requestPasswordReset({ email: me.user.email });
    await owner.account.resetPassword({
      token: await resetToken(me.user.email),
      password: 'fresh start here',
    });
    await owner.auth.login({ email: me.user.email, password: 'fresh start here' });
  });

  it('sends nothing to a disabled account', async () => {
    const me = await signUp(db, { username: 'gone' });
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.email, me.user.email));
    await visitor().account.requestPasswordReset({ email: me.user.email });
    expect(
      await db.select().from(mailOutbox).where(eq(mailOutbox.template, 'password-reset')),
    ).toEqual([]);
  });
});
