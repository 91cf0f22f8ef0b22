// What readers and writers do with Conduit, page by page in a real browser: sign up, write an
// article with tags, find it in the feeds, favorite it and follow its author as another user,
// comment and see comments arrive live in the other browser, edit, change settings, log out,
// sign in again, delete. The steps build on each other, like a person's afternoon.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
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
/** The writer, who signs up through the form. */
let ana: UserPage;
let anaName: string;
/** A reader with a browser of her own. */
let ben: UserPage;
let benUser: TestUser;
let articleUrl: string;

const run = Date.now().toString(36).slice(-5);
const title = `Testing in a real browser ${run}`;
const tag = `e2e${run}`;

/** Each step answers for the problems of its own pages only. */
function forgetProblems(...pages: UserPage[]) {
  for (const { problems } of pages) {
    for (const list of [
      problems.consoleErrors,
      problems.pageErrors,
      problems.cspViolations,
      problems.externalRequests,
    ])
      list.length = 0;
  }
}

/** Problems besides the 4xx answers a step provoked on purpose (the browser logs each one). */
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

/** The two article-meta blocks (banner and foot) show the same buttons: act on the first. */
const first = (page: Page, name: string | RegExp) => page.getByRole('button', { name }).first();

describeInBrowser('a writer and a reader', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    ana = await openPage(browser, server);
    ben = await openPage(browser, server);
    benUser = await signUp(server, 'ben');
    await signIn(ben.context, server, benUser);
  });
  beforeEach(() => forgetProblems(ana, ben));
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs up through the form, after seeing each mistake beside its field', async () => {
    const { page } = ana;
    await page.goto('/');
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('Username').fill('no spaces allowed');
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Sign up' }).click();

    await expect
      .poll(() => page.locator('.field-error').allTextContents())
      .toEqual([
        'Username may contain only letters, digits, _ and -',
        'Email must be a valid email address',
        'Password must be at least 8 characters',
      ]);
    // Each message is tied to its field for screen readers.
    await expect.poll(() => page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'sign-up-errors');

    anaName = `ana${run}`;
    await page.getByLabel('Username').fill(anaName);
    await page.getByLabel('Email').fill(`${anaName}@example.com`);
    await page.getByLabel('Password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Sign up' }).click();

    await page.getByRole('link', { name: 'New article' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: anaName }).count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(unexpected(ana.problems, [400])).toEqual([]);
  });

  it('writes an article with tags, and finds it in the global feed and the tag feed', async () => {
    const { page } = ana;
    await page.getByRole('link', { name: 'New article' }).click();
    await page.getByLabel('Title').fill(title);
    await page.getByLabel("What's this article about?").fill('How the web app is tested');
    await page
      .getByLabel('Article (Markdown)')
      .fill('## Why\n\nBecause **users** click things.\n\n- one\n- two\n\n`code` too.');
    const tags = page.getByLabel('Tags', { exact: true });
    await tags.fill(tag);
    await tags.press('Enter');
    await tags.fill('testing, browsers,');
    await expect
      .poll(() => page.getByRole('list', { name: 'Tags of this article' }).textContent())
      .toBe(`${tag}×testing×browsers×`);
    await page.getByRole('button', { name: 'Remove tag browsers' }).click();
    await screenshot(page, 'editor');
    await page.getByRole('button', { name: 'Publish article' }).click();

    // The article page: Markdown rendered, tags listed.
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    articleUrl = new URL(page.url()).pathname;
    expect(articleUrl).toMatch(/^\/article\/testing-in-a-real-browser-/);
    expect(await page.locator('.article-content h2').textContent()).toBe('Why');
    expect(await page.locator('.article-content strong').textContent()).toBe('users');
    expect(await page.getByRole('list', { name: 'Tags' }).first().textContent()).toBe(
      `${tag}testing`,
    );

    await page.getByRole('link', { name: 'Home' }).click();
    await page.getByRole('link', { name: 'Global feed' }).click();
    await page.getByRole('heading', { name: title }).waitFor();
    await screenshot(page, 'home-global-feed');

    // The tag is among the popular ones; its feed shows the article.
    await page
      .getByRole('complementary', { name: 'Popular tags' })
      .getByRole('link', { name: tag, exact: true })
      .click();
    await page.getByRole('link', { name: `#${tag}` }).waitFor();
    expect(new URL(page.url()).search).toBe(`?tag=${tag}`);
    await page.getByRole('heading', { name: title }).waitFor();
    await screenshot(page, 'home-tag-feed');
    expect(unexpected(ana.problems)).toEqual([]);
  });

  it("lets another user favorite it and follow its author, and fills that user's feed", async () => {
    const { page } = ben;
    await page.goto('/?feed=mine');
    await page.getByText('Nothing here yet').waitFor();

    await page.goto(articleUrl);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    await first(page, 'Favorite article (0)').click();
    await first(page, 'Unfavorite article (1)').waitFor();
    await first(page, `Follow ${anaName}`).click();
    await first(page, `Unfollow ${anaName}`).waitFor();
    await screenshot(page, 'article-as-reader');

    // What the server holds, not only what the page guessed: a reload shows the same.
    await page.reload();
    await first(page, 'Unfavorite article (1)').waitFor();
    await first(page, `Unfollow ${anaName}`).waitFor();

    await page.getByRole('link', { name: 'Home' }).click();
    await page.getByRole('link', { name: 'Your feed' }).click();
    await page.getByRole('heading', { name: title }).waitFor();

    // The author's profile lists it; the reader's favorites list it too.
    await page.goto(`/profile/${benUser.username}/favorites`);
    await page.getByRole('heading', { name: title }).waitFor();
    await page.goto(`/profile/${anaName}`);
    await page.getByRole('heading', { name: title }).waitFor();
    await page.getByRole('button', { name: `Unfollow ${anaName}` }).waitFor();
    await screenshot(page, 'profile');
    expect(unexpected(ben.problems)).toEqual([]);
  });

  it('shows a new comment live in the other browser, without a reload', async () => {
    await Promise.all([ana.page.goto(articleUrl), ben.page.goto(articleUrl)]);
    for (const { page } of [ana, ben]) {
      await page.getByText('New comments appear here as they are written.').waitFor();
    }

    await ana.page.getByLabel('Write a comment').fill(`Thanks for reading, ${benUser.username}!`);
    await ana.page.getByRole('button', { name: 'Post comment' }).click();
    await ben.page
      .getByRole('article', { name: `Comment by ${anaName}` })
      .getByText(`Thanks for reading, ${benUser.username}!`)
      .waitFor({ timeout: 10_000 });

    await ben.page.getByLabel('Write a comment').fill('Live comments work.');
    await ben.page.getByRole('button', { name: 'Post comment' }).click();
    await ana.page.getByText('Live comments work.').waitFor({ timeout: 10_000 });
    // Our own comment comes back on the live stream as well: it is shown once.
    await expect.poll(() => ben.page.getByText('Live comments work.').count()).toBe(1);

    // An empty comment is refused, with the reason beside the field.
    await ben.page.getByRole('button', { name: 'Post comment' }).click();
    await ben.page.getByText('The comment is empty').waitFor();
    await screenshot(ben.page, 'article-comments');
    expect(unexpected(ana.problems, [400])).toEqual([]);
    expect(unexpected(ben.problems, [400])).toEqual([]);
  });

  it('edits the article: the new title and tags show everywhere', async () => {
    const { page } = ana;
    await page.goto(articleUrl);
    await page.getByRole('link', { name: 'Edit article' }).first().waitFor();
    await page.getByRole('link', { name: 'Edit article' }).first().click();
    await expect.poll(() => page.getByLabel('Title').inputValue()).toBe(title);
    await page.getByLabel('Title').fill(`${title} (revised)`);
    await page.getByRole('button', { name: `Remove tag testing` }).click();
    await page.getByRole('button', { name: 'Update article' }).click();
    await page.getByRole('heading', { level: 1, name: `${title} (revised)` }).waitFor();
    articleUrl = new URL(page.url()).pathname;
    expect(await page.getByRole('list', { name: 'Tags' }).first().textContent()).toBe(tag);

    // The reader's next visit to the feed shows the new title.
    await ben.page.goto('/?feed=mine');
    await ben.page.getByRole('heading', { name: `${title} (revised)` }).waitFor();
    expect(unexpected(ana.problems)).toEqual([]);
  });

  it('changes settings: bio on the profile, a wrong current password named, sessions listed', async () => {
    const { page } = ana;
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Short bio about you').fill('Writes tests that click.');
    await page.getByRole('button', { name: 'Update settings' }).click();
    await page.getByText('Your settings are saved.').waitFor();

    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill('an even longer passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Current password is incorrect').waitFor();

    const sessions = page.getByRole('region', { name: 'Where you are signed in' });
    await sessions.getByText('This device', { exact: true }).waitFor();
    expect(await sessions.getByText(/Headless Chrome on Linux/).count()).toBeGreaterThan(0);
    await screenshot(page, 'settings');

    await page.getByRole('link', { name: anaName }).click();
    await page.getByText('Writes tests that click.').waitFor();
    expect(unexpected(ana.problems, [400])).toEqual([]);
  });

  it('logs out, refuses a wrong password, and signs in again', async () => {
    const { page } = ana;
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('link', { name: 'New article' }).count()).toBe(0);

    // A page for signed-in users sends a visitor to sign in, and back after.
    await page.goto('/editor');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(`${anaName}@example.com`);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('Email or password is incorrect').waitFor();
    await screenshot(page, 'sign-in-error');

    await page.getByLabel('Password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'New article' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/editor');
    expect(unexpected(ana.problems, [401])).toEqual([]);
  });

  it('deletes the article after asking once more; it leaves the feeds', async () => {
    const { page } = ana;
    await page.goto(articleUrl);
    await first(page, 'Delete article').click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await first(page, 'Delete article').click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.waitForURL((url) => url.pathname === '/');

    await page.getByRole('link', { name: 'Global feed' }).click();
    await page.locator('.article-list, .state-empty').first().waitFor();
    expect(await page.getByRole('heading', { name: `${title} (revised)` }).count()).toBe(0);
    const gone = await page.goto(articleUrl);
    expect(gone?.status()).toBe(200); // the app answers; the page says what is missing
    await page.getByText('No article').waitFor();
    expect(unexpected(ana.problems, [404])).toEqual([]);
  });
});
