// Getting back in through the mailbox, in a real browser (issue 14 items 2, 3, 8): "Forgot
// password?" on the sign-in page, the mailed link, a new password, signing in with it; and the
// "verify your email" banner, its resend button and the verification link.
//
// The server sends its mail to a real SMTP server on loopback; the test reads the links from what
// arrived there, as the user would from their mailbox.
import { startSmtpServer, type TestSmtpServer } from '@conduit/mail/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeInBrowser,
  launchBrowser,
  openPage,
  type PageProblems,
  signIn,
  signUp,
  startServer,
  type TestServer,
} from './harness';

let server: TestServer;
let browser: Browser;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startServer({ RESET_MAX_PER_IP: '0', SMTP_URL: smtp.url });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

const subjects = {
  'password-reset': 'Reset your password',
  'email-verification': 'Confirm your email address',
};

/**
 * The link in the (`skip`+1)th mail of this kind that reached `to`'s mailbox, as a path and
 * fragment opened on this server (PUBLIC_ORIGIN is not its port).
 */
async function mailedLink(to: string, template: keyof typeof subjects, skip = 0): Promise<string> {
  const matching = () =>
    smtp.messages.filter((mail) => mail.to.includes(to) && mail.subject === subjects[template]);
  await smtp.waitFor(() => matching().length > skip, 15_000);
  const link = matching()[skip]?.links.find((href) => href.includes('#token='));
  if (!link) throw new Error(`no ${template} link mailed to ${to}`);
  const url = new URL(link);
  return `${url.pathname}${url.hash}`;
}

/** Problems besides the refusals a step provoked on purpose (the browser logs each one). */
const unexpected = (problems: PageProblems, statuses: number[]) =>
  problems
    .all()
    .filter(
      (line) =>
        !statuses.some((status) =>
          line.includes(`the server responded with a status of ${status}`),
        ),
    );

const heading = (page: Page) => page.getByRole('heading', { level: 1 });

describeInBrowser('getting back in through the mailbox', () => {
  it('resets a forgotten password from the sign-in page and signs in with the new one', async () => {
    const user = await signUp(server, 'forgot');
    const { page, problems, context } = await openPage(browser, server);
    await page.goto('/login');
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await expect.poll(() => heading(page).textContent()).toBe('Forgot your password?');
    // The address typed on the sign-in page came along.
    expect(await page.getByLabel('Email').inputValue()).toBe(user.email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByRole('status').filter({ hasText: 'If an account has the address' }).waitFor();

    const link = await mailedLink(user.email, 'password-reset');
    expect(link).toMatch(/^\/reset-password#token=/);
    await page.goto(link);
    await expect.poll(() => heading(page).textContent()).toBe('Choose a new password');
    // The token left the address bar once read.
    expect(new URL(page.url()).hash).toBe('');

    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Set my new password' }).click();
    await page.getByText('New password must be at least 8 characters').waitFor();
    await page.getByLabel('New password').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Set my new password' }).click();
    await expect.poll(() => heading(page).textContent()).toBe('Your password is changed');

    // The link works once (opened again from the mail: a fresh load).
    await page.goto('about:blank');
    await page.goto(link);
    await expect.poll(() => heading(page).textContent()).toBe('This link no longer works');

    await page.goto('/login');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('Email or password is incorrect').waitFor();
    await page.getByLabel('Password').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Settings' }).waitFor();
    // Opening the reset link proved the mailbox: no banner asks to verify it.
    expect(await page.locator('.notice').count()).toBe(0);

    expect(unexpected(problems, [400, 401])).toEqual([]);
    await context.close();
  });

  it('asks an unverified user to verify, sends a new link, and the link verifies', async () => {
    const user = await signUp(server, 'verify');
    const { page, problems, context } = await openPage(browser, server);
    await signIn(context, server, user);
    await page.goto('/');
    const banner = page.getByRole('complementary', { name: 'Verify your email' });
    await banner.getByText(`open the link we sent to ${user.email}`).waitFor();
    const first = await mailedLink(user.email, 'email-verification');
    await banner.getByRole('button', { name: 'Send me a new link' }).click();
    await banner.getByText('Sent: check your inbox').waitFor();
    const second = await mailedLink(user.email, 'email-verification', 1);
    expect(second).not.toBe(first);

    // The older link was replaced by the new one.
    await page.goto(first);
    await expect.poll(() => heading(page).textContent()).toBe('This link does not work');
    await page.goto(second);
    await expect.poll(() => heading(page).textContent()).toBe('Your email is confirmed');
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await page.getByRole('link', { name: 'Settings' }).waitFor();
    expect(await banner.count()).toBe(0);

    expect(unexpected(problems, [400])).toEqual([]);
    await context.close();
  });
});
