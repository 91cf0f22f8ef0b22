// Stored XSS, as a reader meets it: an article, its description and a comment full of script tags,
// event attributes and javascript: links, written through the API by a hostile user, shown in the
// feed, on the article page and in the comments. Nothing may run: no dialog, no marker set by a
// handler, no inline script or handler left in the page, no javascript: link to click.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  apiClient,
  describeInBrowser,
  launchBrowser,
  openPage,
  screenshot,
  signUp,
  startServer,
  type TestServer,
  type UserPage,
} from './harness';

let server: TestServer;
let browser: Browser;
let reader: UserPage;
let slug: string;
const dialogs: string[] = [];

/** Every payload sets window.__pwned (or opens a dialog) if it ever runs. */
const payloads = [
  '<script>window.__pwned = "script"; alert("script")</script>',
  '<img src="/nothing.png" onerror="window.__pwned = \'onerror\'; alert(\'onerror\')">',
  '<svg onload="window.__pwned = \'svg\'"><circle r="5"/></svg>',
  "<a href=\"javascript:window.__pwned='href';alert('href')\">raw link</a>",
  '<iframe src="javascript:alert(\'iframe\')"></iframe>',
  '<div style="background:url(javascript:alert(1))" onmouseover="window.__pwned=\'hover\'">hover me</div>',
  '<form action="javascript:alert(\'form\')"><button>send</button></form>',
];
const title = `Hostile <script>window.__pwned="title"</script><img src=x onerror=alert("title")> ${Date.now()}`;
const body = [
  '# A perfectly normal article',
  '',
  '[markdown link](javascript:window.__pwned="markdown";alert("markdown"))',
  '',
  ...payloads,
  '',
  '<p>The last paragraph survives.</p>',
].join('\n');

async function expectInert(page: Page, within: string) {
  expect(dialogs).toEqual([]);
  expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
  const leftovers = await page.evaluate((selector) => {
    const root = document.querySelector(selector);
    if (!root) return ['nothing matched'];
    const found: string[] = [];
    for (const element of root.querySelectorAll('*')) {
      const tag = element.tagName.toLowerCase();
      if (['script', 'iframe', 'object', 'embed', 'form', 'svg'].includes(tag)) found.push(tag);
      for (const attribute of element.attributes) {
        if (/^on/i.test(attribute.name)) found.push(`${tag}[${attribute.name}]`);
        if (/^\s*javascript:/i.test(attribute.value)) found.push(`${tag}[${attribute.name}=js]`);
        if (attribute.name === 'style') found.push(`${tag}[style]`);
      }
    }
    return found;
  }, within);
  expect(leftovers).toEqual([]);
}

describeInBrowser('hostile content', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const attacker = await signUp(server, 'mallory');
    const client = apiClient(server, attacker.token);
    const { article } = await client.article.create.mutate({
      title,
      description: '<img src=x onerror="window.__pwned=\'description\'"> a description',
      body,
      tagList: ['xss'],
    });
    slug = article.slug;
    await client.comment.create.mutate({ slug, body: `A comment. ${payloads.join(' ')}` });
    reader = await openPage(browser, server);
    reader.page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the title and description as text in the feed, running nothing', async () => {
    const { page } = reader;
    await page.goto('/?feed=global');
    await page.getByRole('heading', { name: title }).waitFor();
    expect(await page.getByText('a description').first().textContent()).toContain(
      '<img src=x onerror=',
    );
    await expectInert(page, '#main');
  });

  it('renders the body sanitised on the article page: the words stay, the code is gone', async () => {
    const { page, problems } = reader;
    await page.goto(`/article/${slug}`);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    await page.getByText('The last paragraph survives.').waitFor();
    expect(await page.locator('.article-content h1').textContent()).toBe(
      'A perfectly normal article',
    );
    await page.getByText('A comment.').waitFor();
    await expectInert(page, '#main');
    await screenshot(page, 'hostile-article');

    // Clicking what is left of the links and the hover target does nothing either.
    for (const text of ['markdown link', 'raw link', 'hover me']) {
      const link = page.getByText(text).first();
      if ((await link.count()) > 0) {
        await link.hover();
        await link.click({ noWaitAfter: true });
      }
    }
    await page.waitForTimeout(300);
    expect(new URL(page.url()).pathname).toBe(`/article/${slug}`);
    await expectInert(page, '#main');
    // The CSP never had to step in: nothing inline reached the page.
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
