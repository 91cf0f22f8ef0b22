// Many article tabs in one browser, over plain HTTP/1.1 (six connections per host): they share one
// live stream, so another page still loads at once, and every tab still sees comments come and go,
// also after the tab that held the stream closes.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  apiClient,
  blockExternalRequests,
  describeInBrowser,
  launchBrowser,
  type PageProblems,
  signUp,
  startServer,
  type TestServer,
  type TestUser,
  watchProblems,
} from './harness';

let server: TestServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let author: TestUser;
const ARTICLES = 5;
const TABS = 10;
const slugs: string[] = [];

/** Open live-comment streams at the server, from its own metrics (loopback may read them). */
async function openStreams(): Promise<number> {
  const text = await (await fetch(`${server.origin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('live_comment_subscriptions '));
  if (!line) throw new Error('no live_comment_subscriptions in /metrics');
  return Number(line.split(' ')[1]);
}

interface Tab {
  page: Page;
  slug: string;
  problems: PageProblems;
}

/**
 * What the page's document says of its visibility, and the event that goes with a change: how a
 * tab in the background looks to the app (headless Chromium shows every page).
 */
const setVisibility = (page: Page, state: 'hidden' | 'visible') =>
  page.evaluate((value) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
    Object.defineProperty(document, 'hidden', {
      configurable: true,
      get: () => value === 'hidden',
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);

const comment = (page: Page, body: string) =>
  page.locator('.comment-list .comment-body', { hasText: body });

describeInBrowser('one live stream per browser', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    author = await signUp(server, 'lively');
    const client = apiClient(server, author.token);
    for (let n = 1; n <= ARTICLES; n++) {
      const { article } = await client.article.create.mutate({
        title: `Live article ${n} ${Date.now().toString(36)}`,
        description: 'Read in many tabs',
        body: 'Comments below.',
        tagList: [],
      });
      slugs.push(article.slug);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('ten article tabs hold one stream; an eleventh page loads; comments come and go in every tab, also after the leader closes', async () => {
    const context: BrowserContext = await browser.newContext({ baseURL: server.origin });
    const external = await blockExternalRequests(context);
    // The article sets the leader has subscribed for, in order.
    const streamsAsked: string[][] = [];
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname !== '/trpc/comment.live') return;
      const input = JSON.parse(url.searchParams.get('input') ?? '{}') as { slugs?: string[] };
      streamsAsked.push(input.slugs ?? []);
    });
    const tabs: Tab[] = [];
    const opening = Date.now();
    for (let n = 0; n < TABS; n++) {
      const page = await context.newPage();
      const problems = await watchProblems(page, external);
      const slug = slugs[n % ARTICLES] ?? '';
      await page.goto(`/article/${slug}`);
      await page.getByText('New comments appear here as they are written.').waitFor();
      tabs.push({ page, slug, problems });
    }
    console.log(`${TABS} article tabs open and live in ${Date.now() - opening} ms`);
    // While tabs open the leader replaces its stream (the new one opens before the old closes).
    await expect.poll(openStreams, { timeout: 10_000 }).toBeLessThanOrEqual(1);
    expect(await openStreams()).toBe(1);

    // Ten streams would hold every connection Chromium allows the host: nothing else would load.
    const started = Date.now();
    const eleventh = await context.newPage();
    await eleventh.goto('/');
    await eleventh.locator('.article-preview').first().waitFor({ timeout: 10_000 });
    console.log(
      `an eleventh page loaded beside ${TABS} article tabs in ${Date.now() - started} ms`,
    );
    await eleventh.close();

    const client = apiClient(server, author.token);
    const post = async (round: string) => {
      const posted = [];
      for (const slug of slugs) {
        const body = `${round} on ${slug}`;
        const { comment: created } = await client.comment.create.mutate({ slug, body });
        posted.push({ slug, body, id: created.id });
      }
      return posted;
    };
    const seenEverywhere = async (live: Tab[], posted: { slug: string; body: string }[]) => {
      for (const { page, slug } of live) {
        for (const { body } of posted.filter((p) => p.slug === slug)) {
          await comment(page, body).waitFor({ timeout: 10_000 });
        }
        // Shown once, though both the stream and no reload could have brought it.
        expect(await comment(page, posted.find((p) => p.slug === slug)?.body ?? '').count()).toBe(
          1,
        );
      }
    };

    const first = await post('First round');
    await seenEverywhere(tabs, first);

    // Deleted through the API: it disappears from both tabs showing that article.
    const gone = first[0];
    if (!gone) throw new Error('nothing posted');
    await client.comment.delete.mutate({ slug: gone.slug, id: gone.id });
    for (const { page } of tabs.filter((t) => t.slug === gone.slug)) {
      await comment(page, gone.body).waitFor({ state: 'detached', timeout: 10_000 });
      await page.getByText('No comments yet.').waitFor();
    }

    // The leader goes; another tab takes the lock and resumes from the last event id.
    const roles = await Promise.all(
      tabs.map((t) => t.page.locator('.live-status').getAttribute('data-live-role')),
    );
    expect(roles.filter((role) => role === 'leader')).toHaveLength(1);
    const leader = tabs[roles.indexOf('leader')];
    if (!leader) throw new Error('no leader');
    expect(leader.problems.all()).toEqual([]);
    await leader.page.close();
    const rest = tabs.filter((t) => t !== leader);
    await expect
      .poll(() => Promise.all(rest.map((t) => t.page.locator('[data-live-role=leader]').count())))
      .toContain(1);

    const second = await post('Second round');
    await seenEverywhere(rest, second);
    await expect.poll(openStreams, { timeout: 10_000 }).toBeLessThanOrEqual(1);
    expect(await openStreams()).toBe(1);

    // Hidden tabs let go (after a grace of 10 s); with none visible, the stream closes. A tab
    // back in view asks for its article again and reads what it missed.
    await Promise.all(rest.map((t) => setVisibility(t.page, 'hidden')));
    await expect.poll(openStreams, { timeout: 20_000 }).toBe(0);
    const whileHidden = await post('While hidden');
    const back = rest[0];
    if (!back) throw new Error('no tab left');
    await setVisibility(back.page, 'visible');
    await expect.poll(() => streamsAsked.at(-1), { timeout: 10_000 }).toEqual([back.slug]);
    await comment(back.page, whileHidden.find((p) => p.slug === back.slug)?.body ?? '').waitFor();
    expect(await openStreams()).toBe(1);

    for (const { problems } of rest) expect(problems.all()).toEqual([]);
    await context.close();
    await expect.poll(openStreams, { timeout: 10_000 }).toBe(0);
  });
});
