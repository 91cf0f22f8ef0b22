// Finding and following articles (issue 17): the header's search box leads to a results page whose
// address holds the query, with the matched words marked; and a link made before a title changed
// still leads to the article, under its new address.
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
let author: TestUser;
// A word no other test's article holds, so the results are this test's alone.
const word = `zephyr${Date.now().toString(36)}`;

describeInBrowser('search and moved articles', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    author = await signUp(server, 'searched');
    const client = apiClient(server, author.token);
    await client.article.create.mutate({
      title: `Only in the body ${Date.now()}`,
      description: 'Second best',
      body: `Somewhere in here is ${word}, and <b>markup</b> that stays text.`,
      tagList: [],
    });
    await client.article.create.mutate({
      title: `All about ${word}`,
      description: 'The best match',
      body: `The ${word} in full.`,
      tagList: [],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('searches from the header, lands on /search?q=, marks the matches, and keeps them on reload', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await page.goto('/');
    const box = page.getByRole('searchbox', { name: 'Search articles' });
    await box.fill(word);
    await box.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe(word);
    expect(new URL(page.url()).pathname).toBe('/search');

    const titles = page.locator('.search-result h2');
    await expect.poll(() => titles.count()).toBe(2);
    expect(await titles.first().textContent()).toBe(`All about ${word}`);
    const marks = page.locator('.search-result .snippet mark');
    expect(await marks.first().textContent()).toBe(word);
    // The body's markup arrives as text, never as an element.
    expect(await page.locator('.search-result .snippet b').count()).toBe(0);
    await screenshot(page, 'search-results');

    await page.reload();
    await expect.poll(() => titles.count()).toBe(2);
    expect(await marks.count()).toBeGreaterThan(0);
    expect(await box.inputValue()).toBe(word);

    await box.fill('nothingmatchesthis');
    await box.press('Enter');
    await expect.poll(() => page.locator('.state-empty').textContent()).toContain('No article');
    expect(problems.all()).toEqual([]);
    await context.close();
  });

  it('leads an old link to the renamed article, replacing the address without a history entry', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await signIn(context, server, author);
    const { article } = await apiClient(server, author.token).article.create.mutate({
      title: `Before the edit ${Date.now()}`,
      description: 'Renamed soon',
      body: 'Words.',
      tagList: [],
    });
    await page.goto(`/editor/${article.slug}`);
    const title = page.getByLabel('Title');
    await expect.poll(() => title.inputValue()).toBe(article.title);
    const newTitle = `After the edit ${Date.now()}`;
    await title.fill(newTitle);
    await page.getByRole('button', { name: 'Update article' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe(newTitle);
    const current = new URL(page.url()).pathname;
    expect(current).not.toBe(`/article/${article.slug}`);

    await page.goto('/');
    await page.goto(`/article/${article.slug}`);
    await expect.poll(() => new URL(page.url()).pathname).toBe(current);
    expect(await page.locator('h1').textContent()).toBe(newTitle);
    // Back goes to the page before the old link, not to the old link.
    await page.goBack();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    expect(problems.all()).toEqual([]);
    await context.close();
  });
});
