// Passkeys in a real browser (issue 14 item 6): Chromium's virtual authenticator, added through
// the DevTools protocol, stands in for a phone or a laptop's fingerprint reader. A user adds a
// passkey in Settings, signs out, signs in with it (no email, no password), renames and removes
// it, and is then refused with it.
import { createServer } from 'node:net';
import type { Browser, CDPSession, Page } from 'playwright-core';
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

/** A port free now, so the server's origin (and so the passkeys' relying party) is known first. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A platform authenticator (like a laptop's fingerprint reader) that keeps discoverable
 * credentials and verifies its user, answering without a prompt.
 */
async function addVirtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

/** Problems besides the refusals a step provoked on purpose (the browser logs each one). */
function unexpected(problems: PageProblems, allowedStatuses: number[] = []): string[] {
  return problems
    .all()
    .filter(
      (line) =>
        !allowedStatuses.some((status) =>
          line.includes(`the server responded with a status of ${status}`),
        ),
    );
}

let server: TestServer;
let browser: Browser;
let user: TestUser;
let person: UserPage;
let authenticator: { cdp: CDPSession; id: string };

describeInBrowser('passkeys', () => {
  beforeAll(async () => {
    // WebAuthn binds passkeys to a domain (the RP ID), never an IP address: the page is opened at
    // http://localhost:<port> (a secure context), and the server told that is its public origin.
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    [server, browser] = await Promise.all([
      startServer({ PORT: String(port), PUBLIC_ORIGIN: origin }),
      launchBrowser(),
    ]);
    expect(server.origin).toBe(origin);
    user = await signUp(server, 'pk');
    person = await openPage(browser, server);
    await signIn(person.context, server, user);
    authenticator = await addVirtualAuthenticator(person.page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('adds a passkey in Settings, named, listed', async () => {
    const { page } = person;
    await page.goto('/settings');
    const section = page.getByRole('region', { name: 'Passkeys' });
    await section.getByText('0 passkeys.').waitFor();
    await section.getByLabel('Name for a new passkey').fill('Test laptop');
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await section.getByText('Passkey “Test laptop” added.').waitFor();
    await section.getByText('1 passkey.').waitFor();
    await section.getByText('never used').waitFor();

    const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: authenticator.id,
    });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    await screenshot(page, 'passkeys-settings');
    expect(unexpected(person.problems)).toEqual([]);
  });

  it('signs out, then signs in with the passkey alone and lands signed in', async () => {
    const { page } = person;
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    // Signed out, the settings page sends the visitor to sign in (to come back after) and to the
    // home page, in either order. Then a fresh visit to the sign-in page, by way of the home page:
    // going to /login while already there keeps its history entry, and with it "go back to
    // settings" (seen on Node 24, whose quicker server changes the order).
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto('/');
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('link', { name: user.username }).waitFor();
    await page.waitForURL((url) => url.pathname === '/');

    // The server saw the passkey used; the authenticator counted the signature.
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const section = page.getByRole('region', { name: 'Passkeys' });
    await section.getByText(/last used/).waitFor();
    const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: authenticator.id,
    });
    expect(credentials[0]?.signCount).toBeGreaterThan(0);
    expect(unexpected(person.problems)).toEqual([]);
  });

  it('renames and removes the passkey; then it signs nobody in', async () => {
    const { page } = person;
    const section = page.getByRole('region', { name: 'Passkeys' });
    await section.getByRole('button', { name: 'Rename' }).click();
    await section.getByLabel('New name for “Test laptop”').fill('Old laptop');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText('Old laptop', { exact: true }).waitFor();

    await section.getByRole('button', { name: 'Remove' }).click();
    await section.getByRole('button', { name: 'Yes, remove' }).click();
    await section.getByText('0 passkeys.').waitFor();

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    // Signed out, the settings page first sends the visitor to sign in (to come back after), then
    // the home page: wait for the latter, or the sign-in page would remember to go back.
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByText(/this passkey is not registered here/).waitFor();
    expect(await page.getByRole('link', { name: user.username }).count()).toBe(0);
    await screenshot(page, 'passkey-sign-in-refused');
    expect(unexpected(person.problems, [401])).toEqual([]);
  });
});
