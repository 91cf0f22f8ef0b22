// Roles in the browser: an admin makes a user a moderator on the admin page; the moderator removes
// someone else's comment and article, giving a reason; the admin reads both in the audit log. A
// plain user sees no remove button and no admin page.
import { setRoleInTestDb } from '@conduit/server/testing';
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
let admin: UserPage;
let moderator: UserPage;
let moderatorUser: TestUser;
let slug: string;
const commentBody = `Buy cheap watches ${Date.now()}`;

describeInBrowser('moderation and the audit log', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const [adminUser, author, spammer] = await Promise.all([
      signUp(server, 'admin'),
      signUp(server, 'author'),
      signUp(server, 'spammer'),
    ]);
    moderatorUser = await signUp(server, 'mod');
    await setRoleInTestDb(adminUser.username, 'admin');
    ({
      article: { slug },
    } = await apiClient(server, author.token).article.create.mutate({
      title: `Something to moderate ${Date.now()}`,
      description: 'An article with a spam comment',
      body: 'Fine words.',
      tagList: [],
    }));
    await apiClient(server, spammer.token).comment.create.mutate({ slug, body: commentBody });
    admin = await openPage(browser, server);
    moderator = await openPage(browser, server);
    await signIn(admin.context, server, adminUser);
    await signIn(moderator.context, server, moderatorUser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a plain user no remove action and no admin page', async () => {
    const { page } = moderator;
    await page.goto(`/article/${slug}`);
    await page.getByText(commentBody).waitFor();
    expect(await page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
    await page.goto('/admin');
    await page.getByText('This page is for admins only.').waitFor();
  });

  it('lets the admin make that user a moderator, naming a wrong username first', async () => {
    const { page } = admin;
    await page.goto('/');
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    await page.getByLabel('Username', { exact: true }).fill('nobody-by-this-name');
    await page.getByRole('button', { name: 'Set role' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /no user|not found/i })
      .waitFor();

    await page.getByLabel('Username', { exact: true }).fill(moderatorUser.username);
    await page.getByLabel('Role', { exact: true }).selectOption('moderator');
    await page.getByRole('button', { name: 'Set role' }).click();
    await page
      .getByText(`${moderatorUser.username} is now a moderator; their sessions were ended.`)
      .waitFor();
  });

  it('lets the moderator, signed in again, remove the comment and the article with a reason', async () => {
    const { page, context } = moderator;
    // The role change ended the moderator's sessions: sign in anew through the form.
    await context.clearCookies();
    await page.goto('/login');
    await page.getByLabel('Email').fill(moderatorUser.email);
    await page.getByLabel('Password').fill(moderatorUser.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'New article' }).waitFor();

    await page.goto(`/article/${slug}`);
    const comment = page.getByRole('article', { name: /^Comment by spammer/ });
    await comment.getByRole('button', { name: 'Remove comment' }).click();
    // No reason, no removal: the field says so.
    await comment.getByRole('button', { name: 'Remove', exact: true }).click();
    await comment.locator('.field-error').waitFor();
    await comment.getByLabel('Reason for removing this comment').fill('Spam');
    await comment.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => page.getByText(commentBody).count()).toBe(0);

    await page.getByRole('button', { name: 'Remove article' }).first().click();
    await page.getByLabel('Reason for removing this article').fill('Off topic');
    await screenshot(page, 'moderator-remove');
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    expect(
      (await apiClient(server).article.list.query({ limit: 100 })).articles,
    ).not.toContainEqual(expect.objectContaining({ slug }));
  });

  it('shows the admin both removals, the role change and the sign-ins in the audit log', async () => {
    const { page } = admin;
    await page.reload();
    const log = page.getByRole('region', { name: 'Audit log' }).or(page.locator('.audit-table'));
    await log.first().waitFor();
    const rows = page.locator('.audit-table tbody tr');
    await expect
      .poll(() => rows.allTextContents())
      .toEqual(
        expect.arrayContaining([
          expect.stringMatching(/moderation\.article\.delete.*Off topic/),
          expect.stringMatching(/moderation\.comment\.delete.*Spam/),
          expect.stringMatching(/admin\.role\.set/),
          expect.stringContaining('auth.login.ok'),
        ]),
      );
    await screenshot(page, 'admin-audit-log');
    expect(admin.problems.all().filter((line) => !/status of 404/.test(line))).toEqual([]);
  });
});
