// Leaving in the browser (decision 021): a user downloads their data from the settings page as a
// JSON file, then deletes their account, asked for their password because the sign-in is old;
// they land signed out on the home page and cannot sign in again. An admin disables an account
// on the admin page, and its owner is signed out at once.
import { readFile } from 'node:fs/promises';
import { setRoleInTestDb, signedInAgoInTestDb } from '@conduit/server/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  apiClient,
  describeInBrowser,
  launchBrowser,
  openPage,
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
let leaver: TestUser;
let user: UserPage;
const title = `Words I take with me ${Date.now()}`;

describeInBrowser('leaving: my data, deleting my account, disabled accounts', () => {
  beforeAll(async () => {
    // No session cache: the test moves a session's sign-in back in the database, which a cached
    // copy of the session would not see (copies expire after CACHE_TTL_MS).
    [server, browser] = await Promise.all([startServer({ CACHE_TTL_MS: '0' }), launchBrowser()]);
    leaver = await signUp(server, 'leaver');
    await apiClient(server, leaver.token).article.create.mutate({
      title,
      description: 'Mine to keep',
      body: 'A body *in Markdown*.',
      tagList: ['farewell'],
    });
    user = await openPage(browser, server);
    await signIn(user.context, server, leaver);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('downloads my data as a JSON file', async () => {
    const { page } = user;
    await page.goto('/settings');
    await page.getByRole('heading', { name: 'Your data' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download my data' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      new RegExp(`^conduit-${leaver.username}-\\d{4}-\\d{2}-\\d{2}\\.json$`),
    );
    const data = JSON.parse(await readFile(await download.path(), 'utf8'));
    expect(data.profile).toMatchObject({ username: leaver.username, email: leaver.email });
    expect(data.articles).toMatchObject([
      { title, body: 'A body *in Markdown*.', tagList: ['farewell'] },
    ]);
    expect(JSON.stringify(data)).not.toContain(leaver.token.split('.')[1]);
  });

  it('deletes my account, asking for my password once the sign-in is old; then I am out', async () => {
    const { page, problems } = user;
    await signedInAgoInTestDb(leaver.username, 11);
    await page.goto('/settings');
    // The settings page has a password form of its own: what follows is in "Your data".
    const section = page.getByRole('region', { name: 'Your data' });
    await section.getByRole('button', { name: 'Delete my account…' }).click();
    const confirm = section.getByLabel('Your username');
    await confirm.fill('not-my-name');
    await page.getByRole('button', { name: 'Delete my account for good' }).click();
    await section.getByText('must be your username, typed again to confirm').waitFor();

    await confirm.fill(leaver.username);
    await page.getByRole('button', { name: 'Delete my account for good' }).click();
    // The server asks for the password: the field appears, with its message.
    const password = section.getByLabel('Current password');
    await password.waitFor();
    await section.getByText(/is required for this change/).waitFor();
    await screenshot(page, 'leaving-password-asked');
    await password.fill(leaver.password);
    await page.getByRole('button', { name: 'Delete my account for good' }).click();

    await page.waitForURL((url) => url.pathname === '/');
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('link', { name: leaver.username }).count()).toBe(0);

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(leaver.email);
    await page.getByLabel('Password').fill(leaver.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('Email or password is incorrect').waitFor();
    await screenshot(page, 'leaving-cannot-sign-in');
    // The only failed request is the sign-in refused (and the password asked for).
    expect(problems.pageErrors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });

  it('lets an admin disable an account: its owner is signed out at once', async () => {
    const [adminUser, target] = await Promise.all([
      signUp(server, 'admin'),
      signUp(server, 'target'),
    ]);
    await setRoleInTestDb(adminUser.username, 'admin');
    const admin = await openPage(browser, server);
    const owner = await openPage(browser, server);
    await signIn(admin.context, server, adminUser);
    await signIn(owner.context, server, target);
    await owner.page.goto('/settings');
    await owner.page.getByRole('heading', { name: 'Your settings' }).waitFor();

    await admin.page.goto('/admin');
    await admin.page.getByLabel('Account (username)').fill(target.username);
    await admin.page.getByLabel('Reason (for the audit log)').fill('spam');
    await admin.page.getByRole('button', { name: 'Disable', exact: true }).click();
    await admin.page.getByText(`${target.username} is disabled; 1 session ended.`).waitFor();
    await screenshot(admin.page, 'leaving-admin-disabled');

    await owner.page.goto('/settings');
    await owner.page.getByRole('link', { name: 'Sign in' }).waitFor();
    const refused = await apiClient(server)
      .auth.login.mutate({ email: target.email, password: target.password })
      .then(
        () => 'signed in',
        (error: Error) => error.message,
      );
    expect(refused).toBe('This account is disabled');

    await admin.page.getByRole('button', { name: 'Enable', exact: true }).click();
    await admin.page.getByText(`${target.username} is enabled: they may sign in again.`).waitFor();
    await expect(
      apiClient(server).auth.login.mutate({ email: target.email, password: target.password }),
    ).resolves.toMatchObject({ user: { username: target.username } });
  });
});
