// Two-factor authentication in a real browser: turned on in Settings by reading the key off the
// page and computing the code as an authenticator app would, then signing in takes the password
// and a code (or a recovery code). The QR code is an image made by the server: no outside service.
import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeInBrowser,
  launchBrowser,
  openPage,
  type PageProblems,
  screenshot,
  signIn,
  signUp,
  startServer,
  type TestServer,
  type TestUser,
  type UserPage,
} from './harness';

let server: TestServer;
let browser: Browser;
let user: TestUser;
let me: UserPage;
let secret = '';
let recoveryCodes: string[] = [];

/** The code the app shows `steps` periods from now. */
const codeAt = (steps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({
    timestamp: Date.now() + steps * 30_000,
  });

/** Problems besides the 4xx answers a step provoked on purpose (the browser logs each one). */
const unexpected = (problems: PageProblems, allowed: number[]) =>
  problems
    .all()
    .filter(
      (line) => !allowed.some((status) => line.includes(`responded with a status of ${status}`)),
    );

async function signOut() {
  const { page } = me;
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByRole('link', { name: 'Sign in' }).waitFor();
}

async function passwordStep() {
  const { page } = me;
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
}

describeInBrowser('two-factor authentication', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    user = await signUp(server, 'totp');
    me = await openPage(browser, server);
    await signIn(me.context, server, user);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('is turned on in Settings with a QR code, the key as text and one code', async () => {
    const { page } = me;
    await page.goto('/settings');
    const section = page.getByRole('region', { name: 'Two-factor authentication' });
    await section.getByText('Two-factor authentication is off.').waitFor();
    await section.getByRole('button', { name: 'Set up two-factor authentication' }).click();

    const qr = section.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    // The image loaded (a data: URL the CSP allows), drawn here rather than fetched from anywhere.
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(
      true,
    );
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    secret = (await section.locator('.totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(page, 'two-factor-setup');

    await section.getByLabel('Code from the app').fill(codeAt() === '000000' ? '111111' : '000000');
    await section.getByRole('button', { name: 'Turn on' }).click();
    await section
      .getByText(/Code from the app is not the code your authenticator app shows/)
      .waitFor();

    await section.getByLabel('Code from the app').fill(codeAt());
    await section.getByRole('button', { name: 'Turn on' }).click();
    const list = section.locator('.recovery-codes li');
    await expect.poll(() => list.count()).toBe(10);
    recoveryCodes = await list.allTextContents();
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    await screenshot(page, 'two-factor-recovery-codes');

    await section.getByRole('button', { name: 'I have saved them' }).click();
    await section.getByText('Two-factor authentication is on. 10 recovery codes left.').waitFor();
    expect(await section.locator('.recovery-codes').count()).toBe(0);
    expect(unexpected(me.problems, [400])).toEqual([]);
  });

  it('then signs in with the password and a code, never the password alone', async () => {
    const { page } = me;
    await signOut();
    await passwordStep();
    // The password alone made no session.
    await page.goto('/settings');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await passwordStep();
    await screenshot(page, 'two-factor-sign-in');
    await page.getByLabel('Authentication code').fill(codeAt() === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Authentication code is incorrect or was already used').waitFor();

    // The step after the one that turned it on: a code is never accepted twice.
    await page.getByLabel('Authentication code').fill(codeAt(1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('link', { name: 'New article' }).waitFor();
    await page.getByRole('link', { name: user.username }).first().waitFor();
    expect(unexpected(me.problems, [400, 401])).toEqual([]);
  });

  it('takes a recovery code instead, once', async () => {
    const { page } = me;
    await signOut();
    await passwordStep();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('link', { name: 'New article' }).waitFor();

    await page.goto('/settings');
    const section = page.getByRole('region', { name: 'Two-factor authentication' });
    await section.getByText('9 recovery codes left.', { exact: false }).waitFor();
    expect(unexpected(me.problems, [400, 401])).toEqual([]);
  });
});
