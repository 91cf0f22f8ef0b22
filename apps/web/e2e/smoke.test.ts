// The production server serves a working web app: in Chromium, over http://localhost as the
// README says, the page loads, its script runs, and nothing is refused, broken or fetched from
// elsewhere; deep links load the app; the Secure session cookie works.
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
} from './harness';

let server: TestServer;
let browser: Browser;

describeInBrowser('the web app from the production server', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads the home page: the script runs, with no error, CSP violation or external request', async () => {
    const { page, problems, context } = await openPage(browser, server);
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    // The policy the page runs under is production's, upgrade-insecure-requests included.
    expect(response?.headers()['content-security-policy']).toMatch(/upgrade-insecure-requests/);

    // React rendered into #root: the module script loaded and ran.
    await page.locator('#root > *').first().waitFor();
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'smoke-home');
    expect(problems.all()).toEqual([]);
    await context.close();
  });

  it('answers a deep link with the app, which shows the article', async () => {
    const author = await signUp(server, 'author');
    const { article } = await apiClient(server, author.token).article.create.mutate({
      title: 'Served from the same origin',
      description: 'A smoke test article',
      body: 'It **works**.',
      tagList: ['smoke'],
    });

    const { page, problems, context } = await openPage(browser, server);
    const response = await page.goto(`/article/${article.slug}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    await page.getByText('Served from the same origin').first().waitFor();
    await screenshot(page, 'smoke-article');
    expect(problems.all()).toEqual([]);
    await context.close();
  });

  it('keeps the Secure __Host- session cookie over http://localhost', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await page.goto('/');
    const username = `cookie${Date.now().toString(36)}`;
    // Signing up as the web app does: a same-origin fetch; the answer sets the cookie.
    const signedIn = await page.evaluate(async (username) => {
      const post = (path: string, input: unknown) =>
        fetch(`/trpc/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
      await post('auth.register', {
        email: `${username}@example.com`,
        username,
        password: 'correct horse battery staple',
      });
      const me = await fetch('/trpc/auth.me');
      return ((await me.json()) as { result?: { data: { user: { username: string } } } }).result
        ?.data.user.username;
    }, username);
    expect(signedIn).toBe(username);
    const cookies = await context.cookies();
    expect(cookies).toContainEqual(
      expect.objectContaining({ name: '__Host-conduit_session', secure: true, httpOnly: true }),
    );
    expect(problems.all()).toEqual([]);
    await context.close();
  });

  it('signs a fresh context in with signIn()', async () => {
    const user = await signUp(server, 'reader');
    const { page, context } = await openPage(browser, server);
    await page.goto('/');
    const me = () => page.evaluate(async () => (await fetch('/trpc/auth.me')).status);
    expect(await me()).toBe(401);
    await signIn(context, server, user);
    expect(await me()).toBe(200);
    await context.close();
  });

  it('notices console errors, page errors, CSP violations and external requests', async () => {
    const { page, problems, context } = await openPage(browser, server);
    await page.goto('/');
    await page.evaluate(() => {
      console.error('something broke');
      setTimeout(() => {
        throw new Error('uncaught');
      });
      // Refused by the CSP (script-src 'self').
      const script = document.createElement('script');
      script.src = 'https://cdn.example.com/library.js';
      document.head.append(script);
      // Allowed by the CSP (img-src https:), refused by the harness: it would leave the machine.
      new Image().src = 'https://images.example.com/picture.png';
    });
    // Each kind arrives on its own schedule (the timer's error may come after the others): wait
    // for each one rather than for a total.
    await expect
      .poll(() => problems.consoleErrors)
      .toContainEqual(expect.stringMatching(/something broke/));
    await expect.poll(() => problems.pageErrors).toContainEqual(expect.stringMatching(/uncaught/));
    await expect
      .poll(() => problems.cspViolations)
      .toContainEqual(expect.stringMatching(/script-src-elem refused https:\/\/cdn\.example\.com/));
    await expect
      .poll(() => problems.externalRequests)
      .toEqual(['https://images.example.com/picture.png']);
    await context.close();
  });
});
