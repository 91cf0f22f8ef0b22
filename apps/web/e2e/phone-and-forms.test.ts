// A phone and the forms, as a new user meets them: at 390 px the header is one line with a menu
// button (opens, closes on Escape and on navigation, works from the keyboard) and the feed comes
// before the tags; a form reports every field's problem at once, in plain words, and a message
// goes as soon as its field is typed into.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  apiClient,
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
} from './harness';

let server: TestServer;
let browser: Browser;
let writer: TestUser;
let other: TestUser;
let slug = '';

/** Problems besides the 4xx answers a step provoked on purpose (the browser logs each one). */
const unexpected = (problems: PageProblems) =>
  problems.all().filter((line) => !/responded with a status of 4\d\d/.test(line));

describeInBrowser('on a phone, and in forms', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [writer, other] = await Promise.all([signUp(server, 'phone'), signUp(server, 'other')]);
    ({
      article: { slug },
    } = await apiClient(server, writer.token).article.create.mutate({
      title: 'Read on the bus',
      description: 'A phone-sized article',
      body: 'Short paragraphs.',
      tagList: ['phone', 'bus'],
    }));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a one-line header with a menu at 390 px, and the feed above the tags', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(context, server, writer);
    await page.goto('/');
    const firstArticle = page.locator('.article-preview').first();
    await firstArticle.waitFor();
    await page.locator('aside.sidebar').getByRole('link', { name: 'bus', exact: true }).waitFor();

    const header = page.locator('header.site-header');
    const menu = page.getByRole('button', { name: 'Menu' });
    const settings = page.getByRole('link', { name: 'Settings', exact: true });
    // One line: as tall as its tallest item and its padding, where three lines were 130 px.
    const height = (await header.boundingBox())?.height ?? Number.POSITIVE_INFINITY;
    expect(height, 'header height').toBeLessThanOrEqual(64);
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await settings.isVisible()).toBe(false);

    // The feed's first article comes before the tag cloud.
    const articleTop = (await firstArticle.boundingBox())?.y ?? Number.POSITIVE_INFINITY;
    const tagsTop = (await page.locator('aside.sidebar').boundingBox())?.y ?? 0;
    expect(articleTop).toBeLessThan(tagsTop);

    // Opens; Escape closes it and gives focus back to the button.
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await settings.waitFor();
    // Dropped over the page: opening it moves nothing.
    expect((await header.boundingBox())?.height).toBe(height);
    await screenshot(page, 'phone-menu-open');
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });
    expect(await menu.evaluate((button) => button === document.activeElement)).toBe(true);

    // From the keyboard: Enter opens it, Tab reaches the search box and then the links, Enter
    // follows one, and it closes.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Search articles',
    );
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    expect(focused).toBe('Home');
    await page.getByRole('link', { name: 'New article' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'New article' }).waitFor();
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await settings.isVisible()).toBe(false);

    // And with a tap.
    await menu.click();
    await settings.click();
    await page.getByRole('heading', { name: 'Your settings' }).waitFor();
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(unexpected(problems)).toEqual([]);
    await context.close();
  });

  it('reports a taken username and email together, and clears a message on typing', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await page.goto('/register');
    const errors = page.locator('.field-error');

    // Everything wrong at once, in plain words.
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect
      .poll(() => errors.allTextContents())
      .toEqual([
        'Username is empty',
        'Email must be a valid email address',
        'Password must be at least 8 characters',
      ]);

    // Both taken, by two accounts: both said in one answer.
    await page.getByLabel('Username').fill(writer.username);
    await page.getByLabel('Email').fill(other.email);
    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect
      .poll(() => errors.allTextContents())
      .toEqual(['Username is already taken', 'Email is already taken']);

    // Typing into a field takes its message away at once; the other stays until fixed.
    const username = page.getByLabel('Username');
    await username.press('End');
    await username.press('x');
    await expect.poll(() => errors.allTextContents()).toEqual(['Email is already taken']);
    expect(await username.getAttribute('aria-invalid')).toBe('false');
    // Still described by its hint, no longer by a message.
    expect(await username.getAttribute('aria-describedby')).not.toMatch(/-error$/);
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Email').fill(`fresh-${other.email}`);
    await expect.poll(() => errors.count()).toBe(0);
    expect(unexpected(problems)).toEqual([]);
    await context.close();
  });

  it('says a comment is empty plainly, and the picture URL rule as its hint does', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await signIn(context, server, other);
    await page.goto(`/article/${slug}`);
    await page.getByRole('button', { name: 'Post comment' }).click();
    const comment = page.getByLabel('Write a comment');
    await page.getByText('The comment is empty', { exact: true }).waitFor();
    expect(await comment.getAttribute('aria-invalid')).toBe('true');
    await comment.fill('Now it is not.');
    await page.getByText('The comment is empty').waitFor({ state: 'hidden' });

    await page.goto('/settings');
    const picture = page.getByLabel('Picture URL');
    await picture.fill('ftp://example.com/me.png');
    await page.getByRole('button', { name: 'Update settings' }).click();
    await page
      .getByText('Picture URL must be an http:// or https:// URL', { exact: true })
      .waitFor();
    // The hint says the same rule.
    expect(await page.getByText('An http:// or https:// address.').isVisible()).toBe(true);
    await picture.fill('https://example.com/me.png');
    await page
      .getByText('Picture URL must be an http:// or https:// URL')
      .waitFor({ state: 'hidden' });
    expect(unexpected(problems)).toEqual([]);
    await context.close();
  });
});
