// Reading Conduit the ways people do: through the pager of a long tag feed, on a phone-width
// screen, with the keyboard alone, and on a bad network, where a favorite that fails goes back to
// what it was and says why.
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
} from './harness';

let server: TestServer;
let browser: Browser;
let reader: TestUser;
const tag = `paged${Date.now().toString(36)}`;
const ARTICLES = 23;
let newestSlug: string;

describeInBrowser('reading', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const author = await signUp(server, 'prolific');
    reader = await signUp(server, 'reader');
    const client = apiClient(server, author.token);
    for (let n = 1; n <= ARTICLES; n++) {
      const { article } = await client.article.create.mutate({
        title: `Paged article number ${n}`,
        description: `The ${n}th of a long series with a rather long description to wrap on phones`,
        body: `Body ${n}`,
        tagList: [tag],
      });
      newestSlug = article.slug;
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('pages through a tag feed, ten at a time, newest first, the page kept in the address', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await page.goto(`/?tag=${tag}`);
    const titles = page.locator('.article-list h2');
    const pager = page.getByRole('navigation', { name: 'Pages' });
    await expect.poll(() => titles.count()).toBe(10);
    expect(await titles.first().textContent()).toBe(`Paged article number ${ARTICLES}`);
    expect(await pager.locator('[aria-current="page"]').textContent()).toBe('1');

    await pager.getByRole('link', { name: 'Next ›' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('page')).toBe('2');
    await expect.poll(() => titles.first().textContent()).toBe('Paged article number 13');
    await pager.getByRole('link', { name: 'Page 3' }).click();
    await expect
      .poll(() => titles.allTextContents())
      .toEqual(['Paged article number 3', 'Paged article number 2', 'Paged article number 1']);
    expect(await pager.getByRole('link', { name: 'Next ›' }).count()).toBe(0);
    // A reload shows the same page.
    await page.reload();
    await expect.poll(() => titles.count()).toBe(3);
    expect(problems.all()).toEqual([]);
    await context.close();
  });

  it('fits a phone-width screen: nothing wider than the screen, the menu reachable', async () => {
    const context = await browser.newContext({
      baseURL: server.origin,
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    await signIn(context, server, reader);
    const page = await context.newPage();
    for (const [path, name] of [
      [`/?tag=${tag}`, 'phone-home'],
      [`/article/${newestSlug}`, 'phone-article'],
      ['/editor', 'phone-editor'],
      ['/settings', 'phone-settings'],
    ] as const) {
      await page.goto(path);
      await page.locator('main h1, main h2').first().waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
      // The links are folded behind the menu button on a phone.
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Settings', exact: true }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('link', { name: 'Settings', exact: true }).waitFor({ state: 'hidden' });
      await screenshot(page, name);
    }
    await context.close();
  });

  it('works from the keyboard: skip link first, visible focus, every field named', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await signIn(context, server, reader);
    await page.goto('/editor');
    await page.getByRole('heading', { name: 'New article' }).waitFor();

    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.evaluate((link) => link === document.activeElement)).toBe(true);
    const outline = await skip.evaluate((link) => getComputedStyle(link).outlineStyle);
    expect(outline).not.toBe('none');

    // Skip to the form, then fill it without a mouse.
    await page.keyboard.press('Enter');
    await page.getByLabel('Title').focus();
    await page.keyboard.type('Written with the keyboard');
    await page.keyboard.press('Tab');
    await page.keyboard.type('No mouse was used');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Only *keys*.');
    await page.keyboard.press('Tab');
    await page.keyboard.type('keyboard');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Publish article' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Written with the keyboard' }).waitFor();

    // On every form page, each field has a name a screen reader can say, and no clickable
    // thing is anything but a link or a button.
    for (const path of ['/editor', '/settings', `/article/${newestSlug}`]) {
      await page.goto(path);
      await page.locator('main form').first().waitFor();
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('main input, main textarea, main select')]
          .filter((field) => {
            const labelled = (field as HTMLInputElement).labels?.length ?? 0;
            return labelled === 0 && !field.getAttribute('aria-label');
          })
          .map((field) => field.outerHTML),
      );
      expect(unnamed, path).toEqual([]);
      const fakeButtons = await page.evaluate(
        () => document.querySelectorAll('main [onclick], main div[role="button"]').length,
      );
      expect(fakeButtons, path).toBe(0);
    }
    expect(problems.all()).toEqual([]);
    await context.close();
  });

  it('shows a favorite at once, and takes it back with a reason when the server fails', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await signIn(context, server, reader);
    await page.goto(`/article/${newestSlug}`);
    const button = page.getByRole('button', { name: /Favorite article \(0\)/ }).first();
    await button.waitFor();

    // The network fails after a moment: the page must not wait for it to show the change.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/trpc/article.favorite**', async (route) => {
      await held;
      await route.abort('connectionfailed');
    });
    await button.click();
    await page.getByRole('button', { name: 'Unfavorite article (1)' }).first().waitFor();
    release();
    await page.getByRole('button', { name: 'Favorite article (0)' }).first().waitFor();
    await page.getByRole('alert').first().waitFor();
    expect(await page.getByRole('alert').first().textContent()).not.toBe('');

    // Nothing was stored: the server says so too.
    const { article } = await apiClient(server, reader.token).article.get.query({
      slug: newestSlug,
    });
    expect(article).toMatchObject({ favorited: false, favoritesCount: 0 });
    await page.unroute('**/trpc/article.favorite**');

    // With the network back, the same click sticks.
    await page.getByRole('button', { name: 'Favorite article (0)' }).first().click();
    await page.getByRole('button', { name: 'Unfavorite article (1)' }).first().waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Unfavorite article (1)' }).first().waitFor();
    expect(problems.pageErrors).toEqual([]);
    await context.close();
  });
});
