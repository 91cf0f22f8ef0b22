// Enrolling in and leaving two-factor sign-in (RFC 6238 codes; OWASP MFA cheat sheet: confirm
// with a code, recovery codes shown once and stored hashed, changes need re-authentication and
// are notified and audited).
import { auditLog, type Database, eq, mailOutbox, recoveryCodes, users } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { Secret } from 'otpauth';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, refusedFields, signUp } from '../../test/callers';
import { clockedCallers, codeAt, signUpWithTwoFactor, testClock } from '../../test/two-factor';
import { totpStateOf } from '../services/two-factor';

let db: Database;
beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(() => resetDb(db));

const MINUTE = 60_000;

/** The user's second-factor columns, as the service reads them. */
const totpColumns = (id: number) => totpStateOf(db, id);

async function userIdOf(email: string) {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  return row?.id ?? 0;
}

describe('twoFactor.begin', () => {
  it('makes a 160-bit secret, kept but not in use, shown as URI, text and a local QR code', async () => {
    const clock = testClock();
    const { token, user, password } = await signUp(db, { username: 'ines' });
    const me = clockedCallers(db, clock)(token);
    expect(await me.twoFactor.status()).toEqual({
      enabled: false,
      enabledAt: null,
      pending: false,
      recoveryCodesLeft: 0,
    });
    const begun = await me.twoFactor.begin();

    const uri = new URL(begun.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/Conduit:${user.email}`);
    expect(uri.searchParams.get('issuer')).toBe('Conduit');
    expect(uri.searchParams.get('secret')).toBe(begun.secret);
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(begun.secret).toMatch(/^[A-Z2-7]{32}$/);

    expect(begun.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(begun.qrCode.split(',')[1] ?? '', 'base64').toString();
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

    const stored = await totpColumns(await userIdOf(user.email));
    expect(
      Buffer.from(stored?.secret ?? []).equals(Buffer.from(Secret.fromBase32(begun.secret).bytes)),
    ).toBe(true);
    expect(stored?.secret).toHaveLength(20);
    expect(stored?.enabledAt).toBeNull();
    expect(await me.twoFactor.status()).toMatchObject({ enabled: false, pending: true });
    // Not yet in use: the password alone still signs in.
    expect((await callerFor(db).auth.login({ email: user.email, password })).token).toBeTruthy();
  });

  it('needs a recent sign-in or the current password (sudo mode)', async () => {
    const clock = testClock();
    const { token, password } = await signUp(db);
    const me = clockedCallers(db, clock)(token);
    clock.advance(0, 11 * MINUTE);
    expect(await refusedFields(me.twoFactor.begin())).toEqual(['currentPassword']);
    expect(await refusedFields(me.twoFactor.begin({ currentPassword: 'not it at all' }))).toEqual([
      'currentPassword',
    ]);
    expect((await me.twoFactor.begin({ currentPassword: password })).secret).toHaveLength(32);
  });

  it('beginning again replaces the pending secret; a code of the old one is refused', async () => {
    const clock = testClock();
    const { token } = await signUp(db);
    const me = clockedCallers(db, clock)(token);
    const first = await me.twoFactor.begin();
    const second = await me.twoFactor.begin();
    expect(second.secret).not.toBe(first.secret);
    expect(
      await refusedFields(me.twoFactor.enable({ code: codeAt(first.secret, clock.at) })),
    ).toEqual(['code']);
    await me.twoFactor.enable({ code: codeAt(second.secret, clock.at) });
  });

  it('is refused once two-factor is on', async () => {
    const clock = testClock();
    const { me } = await signUpWithTwoFactor(db, clock);
    expect(await codeOf(me.twoFactor.begin())).toBe('CONFLICT');
  });
});

describe('twoFactor.enable', () => {
  it('refuses a wrong code, naming the field, and stays off', async () => {
    const clock = testClock();
    const { token, user } = await signUp(db);
    const me = clockedCallers(db, clock)(token);
    const { secret } = await me.twoFactor.begin();
    const wrong = codeAt(secret, clock.at) === '000000' ? '111111' : '000000';
    expect(await refusedFields(me.twoFactor.enable({ code: wrong }))).toEqual(['code']);
    expect(await refusedFields(me.twoFactor.enable({ code: '12345' }))).toEqual(['code']);
    expect(await refusedFields(me.twoFactor.enable({ code: codeAt(secret, clock.at, 2) }))).toEqual(
      ['code'],
    );
    expect((await totpColumns(await userIdOf(user.email)))?.enabledAt).toBeNull();
  });

  it('without a begun enrolment names the code as having nothing to confirm', async () => {
    const { caller } = await signUp(db);
    const error = await failure(caller.twoFactor.enable({ code: '123456' }));
    expect(error.message).toContain('begin setting up two-factor first');
  });

  it('turns it on with one right code and shows ten recovery codes once, keeping only hashes', async () => {
    const clock = testClock();
    const { token, user } = await signUp(db);
    const me = clockedCallers(db, clock)(token);
    const { secret } = await me.twoFactor.begin();
    // "123 456" as the app shows it is accepted too.
    const shown = codeAt(secret, clock.at).replace(/^(\d{3})/, '$1 ');
    const { enabled, recoveryCodes: codes } = await me.twoFactor.enable({ code: shown });
    expect(enabled).toBe(true);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);

    const id = await userIdOf(user.email);
    const stored = await db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, id));
    expect(stored).toHaveLength(10);
    const dump = JSON.stringify(stored.map((row) => Buffer.from(row.codeHash).toString('latin1')));
    for (const code of codes) {
      expect(dump).not.toContain(code.replace('-', ''));
      expect(dump).not.toContain(code);
    }
    for (const row of stored) expect(row.codeHash).toHaveLength(32);

    const columns = await totpColumns(id);
    expect(columns?.enabledAt?.getTime()).toBe(clock.at.getTime());
    // The enabling code's step counts as used: it cannot sign in afterwards.
    expect(columns?.lastStep).toBe(Math.floor(clock.at.getTime() / 30_000));
    expect(await me.twoFactor.status()).toEqual({
      enabled: true,
      enabledAt: clock.at.toISOString(),
      pending: false,
      recoveryCodesLeft: 10,
    });
    expect(await codeOf(me.twoFactor.enable({ code: codeAt(secret, clock.at) }))).toBe('CONFLICT');
  });

  it('is audited at every step and the owner is told by mail', async () => {
    const clock = testClock();
    const { me, user } = await signUpWithTwoFactor(db, clock);
    await me.twoFactor.regenerateRecoveryCodes();
    await me.twoFactor.disable();
    const actions = (await db.select().from(auditLog)).map((entry) => entry.action);
    expect(actions).toEqual([
      'auth.register',
      'auth.two_factor.begin',
      'auth.two_factor.enable',
      'auth.two_factor.recovery_codes',
      'auth.two_factor.disable',
    ]);
    const mail = await db
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.template, 'two-factor-changed'))
      .orderBy(mailOutbox.id);
    expect(mail.map((m) => [m.recipient, m.template])).toEqual([
      [user.email, 'two-factor-changed'],
      [user.email, 'two-factor-changed'],
      [user.email, 'two-factor-changed'],
    ]);
    expect(mail[0]?.textBody).toContain('Two-factor authentication is now on');
    expect(mail[2]?.textBody).toContain('was turned off');
  });
});

describe('twoFactor.disable', () => {
  it('needs sudo mode, then removes the secret and recovery codes: the password signs in alone again', async () => {
    const clock = testClock();
    const { me, user, password } = await signUpWithTwoFactor(db, clock);
    clock.advance(0, 11 * MINUTE);
    expect(await refusedFields(me.twoFactor.disable())).toEqual(['currentPassword']);
    expect(
      await refusedFields(me.twoFactor.disable({ currentPassword: 'wrong password!' })),
    ).toEqual(['currentPassword']);
    expect((await me.twoFactor.status()).enabled).toBe(true);

    expect(await me.twoFactor.disable({ currentPassword: password })).toEqual({ enabled: false });
    const id = await userIdOf(user.email);
    expect(await totpColumns(id)).toEqual({ secret: null, enabledAt: null, lastStep: null });
    expect(await db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, id))).toEqual([]);
    expect((await callerFor(db).auth.login({ email: user.email, password })).token).toBeTruthy();
    // Idempotent, and audited once.
    expect(await me.twoFactor.disable()).toEqual({ enabled: false });
    const disables = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'auth.two_factor.disable'));
    expect(disables).toHaveLength(1);
  });

  it('needs a session', async () => {
    expect(await codeOf(callerFor(db).twoFactor.disable())).toBe('UNAUTHORIZED');
    expect(await codeOf(callerFor(db).twoFactor.status())).toBe('UNAUTHORIZED');
  });
});

describe('twoFactor.regenerateRecoveryCodes', () => {
  it('needs sudo mode, and makes ten new codes that replace the old ones', async () => {
    const clock = testClock();
    const { me, recoveryCodes: old, password } = await signUpWithTwoFactor(db, clock);
    clock.advance(0, 11 * MINUTE);
    expect(await refusedFields(me.twoFactor.regenerateRecoveryCodes())).toEqual([
      'currentPassword',
    ]);
    const { recoveryCodes: fresh } = await me.twoFactor.regenerateRecoveryCodes({
      currentPassword: password,
    });
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => old.includes(code))).toEqual([]);
    expect((await me.twoFactor.status()).recoveryCodesLeft).toBe(10);
  });

  it('is refused while two-factor is off', async () => {
    const { caller } = await signUp(db);
    expect(await codeOf(caller.twoFactor.regenerateRecoveryCodes())).toBe('CONFLICT');
  });
});
