// Email verification and email change through tRPC (issue 14 item 2): single-use day-long links,
// cached sessions that reload once the mark changes, a change that waits for the new address to be
// proved, and REQUIRE_VERIFIED_EMAIL keeping the unverified from writing.
import { auditLog, type Database, eq, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, signUp } from '../../test/callers';
import { latestToken, linkIn, mailTo, memoryLimiter } from '../../test/mailbox';
import { type CacheStore, createMemoryCache } from '../cache';
import { type CreateContextOptions, defaultAccountSettings, defaultAuthLimits } from '../context';

let db: Database;
let cache: CacheStore;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(async () => {
  await resetDb(db);
  cache = createMemoryCache({ ttlMs: 60_000 });
});

const accounts = { ...defaultAccountSettings, publicOrigin: 'https://conduit.test' };
const DAY = 24 * 60 * 60_000;

/** A caller over the shared session cache, so stale cached users would show. */
const as = (token?: string, options: Partial<CreateContextOptions> = {}) =>
  callerFor(db, token, undefined, undefined, { cache, accounts, ...options });

const verificationToken = (email: string) => latestToken(db, email, 'email-verification');
const badLink = ['BAD_REQUEST', 'token: is invalid or has expired: ask for a new link'];

describe('email verification', () => {
  it('mails a day-long link at sign-up; opening it once verifies, and cached sessions see it', async () => {
    const me = await signUp(db, { username: 'newcomer' });
    expect(me.user.emailVerified).toBe(false);
    const [mail] = await mailTo(db, me.user.email, 'email-verification');
    expect(mail?.textBody).toMatch(/for 24 hours/);
    // Links point at PUBLIC_ORIGIN; sign-up went through the default settings here.
    expect(linkIn(mail as never).link).toMatch(/^http:\/\/localhost:3000\/verify-email#token=/);

    const signedIn = as(me.token);
    expect((await signedIn.auth.me()).user.emailVerified).toBe(false); // now cached
    const token = await verificationToken(me.user.email);
    expect(await as().account.verifyEmail({ token })).toEqual({ emailVerified: true });
    expect((await signedIn.auth.me()).user.emailVerified).toBe(true);

    const again = await failure(as().account.verifyEmail({ token }));
    expect([again.code, again.message]).toEqual(badLink);
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'auth.email.verify'));
    expect(entry?.targetId).toBeTruthy();
  });

  it('refuses a link past its day', async () => {
    const me = await signUp(db, { username: 'late' });
    const token = await verificationToken(me.user.email);
    const later = () => new Date(Date.now() + DAY + 60_000);
    const error = await failure(as(undefined, { now: later }).account.verifyEmail({ token }));
    expect([error.code, error.message]).toEqual(badLink);
  });

  it('never verifies an address the link was not sent to', async () => {
    const me = await signUp(db, { username: 'moved' });
    const token = await verificationToken(me.user.email);
    // The address changed some other way (an admin, a script) after the link went out.
    await db
      .update(users)
      .set({ email: 'moved-elsewhere@example.com' })
      .where(eq(users.email, me.user.email));
    const error = await failure(as().account.verifyEmail({ token }));
    expect(error.message).toMatch(/^token: was sent to an address that is no longer/);
    const [row] = await db
      .select()
      .from(users)
      .where(eq(users.email, 'moved-elsewhere@example.com'));
    expect(row?.emailVerifiedAt).toBeNull();
  });

  it('resends a link that replaces the older one, throttled per account; answers alike once verified', async () => {
    const me = await signUp(db, { username: 'resender' });
    const first = await verificationToken(me.user.email);
    const limiter = memoryLimiter();
    const caller = callerFor(db, me.token, undefined, limiter, { accounts });
    expect(await caller.account.resendVerification()).toEqual({ ok: true });
    const second = await verificationToken(me.user.email);
    expect(second).not.toBe(first);
    expect((await failure(as().account.verifyEmail({ token: first }))).message).toBe(badLink[1]);

    for (let i = 1; i < defaultAuthLimits.verificationMailsPerAccount.max; i += 1) {
      await caller.account.resendVerification();
    }
    expect(await codeOf(caller.account.resendVerification())).toBe('TOO_MANY_REQUESTS');
    expect(await codeOf(as().account.resendVerification())).toBe('UNAUTHORIZED');

    const latest = await verificationToken(me.user.email);
    await as().account.verifyEmail({ token: latest });
    const sent = (await mailTo(db, me.user.email, 'email-verification')).length;
    expect(await as(me.token).account.resendVerification()).toEqual({ ok: true });
    expect(await mailTo(db, me.user.email, 'email-verification')).toHaveLength(sent);
  });
});

describe('REQUIRE_VERIFIED_EMAIL', () => {
  const strict = { ...accounts, requireVerifiedEmail: true };
  const article = { title: 'Hello', description: 'd', body: 'b', tagList: [] };

  it('refuses writing with a 403 that says to verify; reading and settings still work', async () => {
    const other = await signUp(db, { username: 'other' });
    const me = await signUp(db, { username: 'unverified' });
    const caller = as(me.token, { accounts: strict });
    const refused = await failure(caller.article.create(article));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/^Verify your email address to do this/);
    expect(await codeOf(caller.profile.follow({ username: other.user.username }))).toBe(
      'FORBIDDEN',
    );
    await caller.article.list({});
    await caller.user.update({ bio: 'still me' });

    await as().account.verifyEmail({ token: await verificationToken(me.user.email) });
    const { article: created } = await caller.article.create(article);
    await caller.article.favorite({ slug: created.slug });
    await caller.comment.create({ slug: created.slug, body: 'first' });
    await caller.profile.follow({ username: other.user.username });
  });

  it('is off by default: the RealWorld flow registers and writes at once', async () => {
    const me = await signUp(db, { username: 'eager' });
    await as(me.token).article.create(article);
  });
});

describe('email change', () => {
  it('waits for the new address to be proved, then tells the old one', async () => {
    const me = await signUp(db, { username: 'changer' });
    const caller = as(me.token);
    await caller.auth.me(); // cached
    const answer = await caller.user.update({ email: 'Changer.New@example.com', bio: 'hi' });
    expect(answer.user).toMatchObject({ email: me.user.email, bio: 'hi' });
    expect(answer.pendingEmail).toBe('Changer.New@example.com');
    const [mail] = await mailTo(db, 'Changer.New@example.com', 'email-change');
    const { link, token } = linkIn(mail as never);
    expect(link).toMatch(/^https:\/\/conduit\.test\/confirm-email#token=/);
    expect((await caller.auth.me()).user.email).toBe(me.user.email);

    expect(await as().account.confirmEmailChange({ token })).toEqual({
      email: 'Changer.New@example.com',
    });
    const { user } = await caller.auth.me();
    expect(user).toMatchObject({ email: 'Changer.New@example.com', emailVerified: true });
    const [told] = await mailTo(db, me.user.email, 'email-changed');
    expect(told?.textBody).toMatch(/is now Changer\.New@example\.com/);
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'user.email.change'));
    expect(entry?.details).toEqual({ from: me.user.email, to: 'Changer.New@example.com' });
    expect((await failure(as().account.confirmEmailChange({ token }))).message).toBe(badLink[1]);
    await as().auth.login({ email: 'changer.new@example.com', password: me.password });
  });

  it('refuses a taken address at once and when confirming, naming email', async () => {
    const taken = await signUp(db, { username: 'taken' });
    const me = await signUp(db, { username: 'wants' });
    const now = await failure(as(me.token).user.update({ email: taken.user.email.toUpperCase() }));
    expect([now.code, now.message]).toEqual(['CONFLICT', 'email: is already taken']);

    await as(me.token).user.update({ email: 'contested@example.com' });
    const token = await latestToken(db, 'contested@example.com', 'email-change');
    await as(taken.token).user.update({ email: 'contested@example.com' });
    await as().account.confirmEmailChange({
      token: await latestToken(db, 'contested@example.com', 'email-change'),
    });
    const late = await failure(as().account.confirmEmailChange({ token }));
    expect([late.code, late.message]).toEqual(['CONFLICT', 'email: is already taken']);
  });

  it('treats the same address in another case as no change, and stops links sent to the old address', async () => {
    const me = await signUp(db, { username: 'cased' });
    const same = await as(me.token).user.update({ email: me.user.email.toUpperCase() });
    expect(same.pendingEmail).toBeUndefined();
    expect(await mailTo(db, me.user.email.toUpperCase(), 'email-change')).toEqual([]);

    await as().account.requestPasswordReset({ email: me.user.email });
    const reset = await latestToken(db, same.user.email, 'password-reset');
    await as(me.token).user.update({ email: 'fresh@example.com' });
    await as().account.confirmEmailChange({
      token: await latestToken(db, 'fresh@example.com', 'email-change'),
    });
    expect(await as().account.checkResetToken({ token: reset })).toEqual({ valid: false });
  });
});
