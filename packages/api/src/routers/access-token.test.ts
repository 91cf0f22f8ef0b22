// Personal access tokens (issue 18 item 4, decision 028): made in sudo mode and shown once, stored
// hashed, listed without secrets, revoked by their owner; accepted within their scope by the
// content API, refused for account, security and admin procedures, and out when they expire, are
// revoked, or their account is disabled, deleted or reset.
import { ACCESS_TOKEN_PREFIX } from '@conduit/auth';
import { accessTokens, auditLog, type Database, eq, sql, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, cookieJar, failure, refusedFields, signUp } from '../../test/callers';
import { testLimiter } from '../../test/limiter';
import { latestToken } from '../../test/mailbox';
import { defaultAccountSettings, defaultAuthLimits } from '../defaults';
import { describeProcedures } from '../reference';
import { appRouter } from '../root';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** A caller whose clock runs `ms` ahead. */
const later = (token: string, ms: number) =>
  callerFor(db, token, cookieJar(), undefined, { now: () => new Date(Date.now() + ms) });

async function owner(username?: string) {
  const signedUp = await signUp(db, username ? { username } : {});
  const make = async (scope: 'read' | 'write', expiresInDays = 30) =>
    (await signedUp.caller.accessToken.create({ name: `${scope} bot`, scope, expiresInDays }))
      .token;
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.username, signedUp.user.username));
  return { ...signedUp, id: row?.id ?? 0, make };
}

const article = { title: 'From a script', description: 'made by a token', body: 'Hello.' };

describe('accessToken.create', () => {
  it('answers the token once, keeps only its hash, lists it without the text, and audits', async () => {
    const me = await owner();
    const made = await me.caller.accessToken.create({
      name: '  CI publisher ',
      scope: 'write',
      expiresInDays: 90,
    });
    expect(made.token.startsWith(ACCESS_TOKEN_PREFIX)).toBe(true);
    expect(made.accessToken).toMatchObject({
      name: 'CI publisher',
      scope: 'write',
      expired: false,
    });
    const days = (Date.parse(made.accessToken.expiresAt) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);

    const { accessTokens: listed } = await me.caller.accessToken.list();
    expect(listed).toEqual([made.accessToken]);
    expect(JSON.stringify(listed)).not.toContain(made.token.slice(28, 60));
    const stored = JSON.stringify(
      await db.execute(sql`select to_jsonb(t)::text from access_tokens t`),
    );
    expect(stored).not.toContain(made.token.slice(28, 60));

    const [entry] = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'auth.access_token.create'));
    expect(entry).toMatchObject({
      actorId: expect.any(Number),
      targetId: made.accessToken.id,
      details: { name: 'CI publisher', scope: 'write', expiresAt: made.accessToken.expiresAt },
    });
    expect(JSON.stringify(entry)).not.toContain(made.token.slice(28, 60));
  });

  it('needs a recent sign-in or the current password (sudo mode)', async () => {
    const me = await owner();
    const stale = later(me.token, 11 * MINUTE);
    const input = { name: 'late', scope: 'read' as const, expiresInDays: 7 };
    expect(await refusedFields(stale.accessToken.create(input))).toEqual(['currentPassword']);
    const made = await stale.accessToken.create({ ...input, currentPassword: me.password });
    expect(made.token).toMatch(/^cdt_/);
  });

  it('names the field for a bad name, scope or expiry (none, or past a year)', async () => {
    const me = await owner();
    const ok = { name: 'x', scope: 'read' as const, expiresInDays: 1 };
    expect(await refusedFields(me.caller.accessToken.create({ ...ok, name: '   ' }))).toEqual([
      'name',
    ]);
    expect(
      await refusedFields(me.caller.accessToken.create({ ...ok, scope: 'admin' as 'read' })),
    ).toEqual(['scope']);
    for (const expiresInDays of [0, 366, 1.5]) {
      expect(await refusedFields(me.caller.accessToken.create({ ...ok, expiresInDays }))).toEqual([
        'expiresInDays',
      ]);
    }
    const bare = { name: 'x', scope: 'read' } as typeof ok;
    expect(await refusedFields(me.caller.accessToken.create(bare))).toEqual(['expiresInDays']);
  });
});

describe('what a token may do', () => {
  it('a read token reads as its owner and may not write; a write token writes content', async () => {
    const me = await owner('scribe');
    const author = await owner('author');
    await author.caller.article.create({ ...article, title: 'Theirs' });
    const reader = callerFor(db, await me.make('read'));
    expect((await reader.auth.me()).user.username).toBe('scribe');
    expect((await reader.auth.viewer()).user?.username).toBe('scribe');
    expect((await reader.article.list({})).articlesCount).toBe(1);
    expect((await reader.article.feed({})).articles).toEqual([]);

    const refused = await failure(reader.article.create(article));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/may only read \(scope read\): article\.create/);
    expect(await codeOf(reader.profile.follow({ username: 'author' }))).toBe('FORBIDDEN');

    const writer = callerFor(db, await me.make('write'));
    const { article: made } = await writer.article.create(article);
    expect(made.author.username).toBe('scribe');
    await writer.comment.create({ slug: made.slug, body: 'and a comment' });
    await writer.article.favorite({ slug: made.slug });
    expect((await writer.profile.follow({ username: 'author' })).profile.following).toBe(true);
    expect((await writer.article.feed({})).articles.map((a) => a.title)).toEqual(['Theirs']);
    await writer.article.delete({ slug: made.slug });
  });

  it('refuses account, security and admin procedures whatever the scope', async () => {
    const me = await owner('keeper');
    await db.update(users).set({ role: 'admin' }).where(eq(users.username, 'keeper'));
    const token = await me.make('write');
    const bot = callerFor(db, token);
    const { accessToken } = await me.caller.accessToken.create({
      name: 'other',
      scope: 'read',
      expiresInDays: 1,
    });
    const refusedCalls: [string, () => Promise<unknown>][] = [
      ['user.update', () => bot.user.update({ bio: 'changed by a script' })],
      ['user.update', () => bot.user.update({ password: 'a new password here' })],
      ['user.export', () => bot.user.export()],
      ['user.delete', () => bot.user.delete({ username: 'keeper' })],
      ['auth.logout', () => bot.auth.logout()],
      ['auth.logoutAll', () => bot.auth.logoutAll()],
      ['auth.sessions', () => bot.auth.sessions()],
      ['auth.revokeSession', () => bot.auth.revokeSession({ id: 'x' })],
      ['auth.login', () => bot.auth.login({ email: me.user.email, password: me.password })],
      ['twoFactor.status', () => bot.twoFactor.status()],
      ['twoFactor.begin', () => bot.twoFactor.begin()],
      ['passkey.list', () => bot.passkey.list()],
      ['passkey.registrationOptions', () => bot.passkey.registrationOptions()],
      ['account.resendVerification', () => bot.account.resendVerification()],
      ['accessToken.list', () => bot.accessToken.list()],
      [
        'accessToken.create',
        () => bot.accessToken.create({ name: 'child', scope: 'write', expiresInDays: 365 }),
      ],
      ['accessToken.revoke', () => bot.accessToken.revoke({ id: accessToken.id })],
      ['admin.auditLog', () => bot.admin.auditLog({})],
      ['admin.setRole', () => bot.admin.setRole({ username: 'keeper', role: 'user' })],
    ];
    for (const [path, call] of refusedCalls) {
      const error = await failure(call());
      expect([path, error.code]).toEqual([path, 'FORBIDDEN']);
      expect(error.message).toBe(
        `A personal access token cannot be used for ${path}: account, security and admin actions need you signed in`,
      );
    }
    // Nothing changed: the bio, the role, the tokens.
    const [row] = await db.select().from(users).where(eq(users.username, 'keeper'));
    expect(row).toMatchObject({ bio: null, role: 'admin' });
    expect(await db.select().from(accessTokens)).toHaveLength(2);
  });

  it('is open on exactly the content API: a new procedure stays refused until opened', () => {
    const reach = Object.fromEntries(
      describeProcedures(appRouter)
        .filter((p) => p.accessTokens !== 'refused')
        .map((p) => [p.path, p.accessTokens]),
    );
    expect(reach).toEqual({
      'article.create': 'write',
      'article.delete': 'write',
      'article.favorite': 'write',
      'article.feed': 'read',
      'article.get': 'read',
      'article.list': 'read',
      'article.search': 'read',
      'article.unfavorite': 'write',
      'article.update': 'write',
      'article.view': 'read',
      'auth.me': 'read',
      'auth.viewer': 'read',
      'comment.create': 'write',
      'comment.delete': 'write',
      'comment.list': 'read',
      'comment.live': 'read',
      'comment.onCreated': 'read',
      'profile.follow': 'write',
      'profile.get': 'read',
      'profile.unfollow': 'write',
      'tag.list': 'read',
    });
  });

  it('counts calls per token, whatever the IP, and refuses past the limit (429)', async () => {
    const me = await owner();
    const token = await me.make('read');
    const limiter = testLimiter(() => new Date());
    const limits = { ...defaultAuthLimits, accessTokenCalls: { max: 3, windowMs: MINUTE } };
    const from = (ip: string) =>
      callerFor(db, token, cookieJar(), limiter, { limits, meta: { ip, userAgent: 'vitest' } });
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) await from(ip).tag.list({});
    expect(await codeOf(from('198.51.100.4').tag.list({}))).toBe('TOO_MANY_REQUESTS');
    // Another token of the same owner has its own count; the owner's session is not counted.
    expect(
      (await callerFor(db, await me.make('read'), cookieJar(), limiter, { limits }).tag.list({}))
        .tags,
    ).toEqual([]);
    await callerFor(db, me.token, cookieJar(), limiter, { limits }).auth.me();
  });
});

describe('when a token stops working', () => {
  it('expires: a 401 that says so, on public procedures too', async () => {
    const me = await owner();
    const token = await me.make('read', 7);
    expect((await later(token, 7 * DAY - MINUTE).auth.me()).user.username).toBe(me.user.username);
    const error = await failure(later(token, 7 * DAY).tag.list({}));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/has expired/);
    // Listed as expired until revoked, so its owner sees which to renew.
    const listed = (await later(me.token, 7 * DAY).accessToken.list()).accessTokens;
    expect(listed.map((t) => t.expired)).toEqual([true]);
  });

  it('is revoked by its owner at once, and nobody else can revoke it', async () => {
    const me = await owner();
    const other = await owner();
    const token = await me.make('write');
    const [listed] = (await me.caller.accessToken.list()).accessTokens;
    const id = listed?.id ?? '';
    expect(await codeOf(other.caller.accessToken.revoke({ id }))).toBe('NOT_FOUND');
    expect((await callerFor(db, token).auth.me()).user.username).toBe(me.user.username);
    expect(await me.caller.accessToken.revoke({ id })).toEqual({ revoked: id });
    const error = await failure(callerFor(db, token).article.list({}));
    expect([error.code, error.message]).toEqual([
      'UNAUTHORIZED',
      'This personal access token was revoked',
    ]);
    expect((await me.caller.accessToken.list()).accessTokens).toEqual([]);
    expect(await codeOf(me.caller.accessToken.revoke({ id }))).toBe('NOT_FOUND');
    const actions = await db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(sql`${auditLog.action} like 'auth.access_token.%'`)
      .orderBy(auditLog.id);
    expect(actions.map((a) => a.action)).toEqual([
      'auth.access_token.create',
      'auth.access_token.first_use',
      'auth.access_token.revoke',
    ]);
  });

  it('a forged or mistyped token is a 401 before any lookup', async () => {
    const me = await owner();
    const token = await me.make('read');
    const typo = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    for (const bad of [typo, 'cdt_short', `${token}x`]) {
      const error = await failure(callerFor(db, bad).tag.list({}));
      expect([error.code, error.message]).toEqual([
        'UNAUTHORIZED',
        'This personal access token is not valid',
      ]);
    }
  });

  it('goes with its account: disabled (401 saying so), deleted (gone with it)', async () => {
    const me = await owner('leaving');
    const token = await me.make('read');
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, me.id));
    expect((await failure(callerFor(db, token).auth.me())).message).toBe(
      'This account is disabled',
    );
    await db.update(users).set({ disabledAt: null }).where(eq(users.id, me.id));
    expect((await callerFor(db, token).auth.me()).user.username).toBe('leaving');

    await me.caller.user.delete({ username: 'leaving' });
    expect(await db.select().from(accessTokens)).toEqual([]);
    expect((await failure(callerFor(db, token).auth.me())).message).toBe(
      'This personal access token is not valid',
    );
  });

  it('survives a password change, not a password reset', async () => {
    const me = await owner();
    const token = await me.make('read');
    await me.caller.user.update({ password: 'another good password' });
    expect((await callerFor(db, token).auth.me()).user.username).toBe(me.user.username);

    await callerFor(db).account.requestPasswordReset({ email: me.user.email });
    const link = await latestToken(db, me.user.email, 'password-reset');
    await callerFor(db, undefined, cookieJar(), undefined, {
      accounts: { ...defaultAccountSettings, resetAnswerFloorMs: 0 },
    }).account.resetPassword({ token: link, password: 'a third good password' });
    expect((await failure(callerFor(db, token).auth.me())).message).toBe(
      'This personal access token was revoked',
    );
    const [reset] = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'auth.password.reset'));
    expect(reset?.details).toMatchObject({ revokedPats: 1 });
  });

  it('is bounded per account', async () => {
    const me = await owner();
    await db.insert(accessTokens).values(
      Array.from({ length: 50 }, (_, i) => ({
        id: `${'a'.repeat(22)}${String(i).padStart(2, '0')}`,
        secretHash: new Uint8Array(32),
        userId: me.id,
        name: `t${i}`,
        scope: 'read' as const,
        expiresAt: new Date(Date.now() + DAY),
      })),
    );
    expect(await refusedFields(me.make('read'))).toEqual(['accessTokens']);
  });
});
