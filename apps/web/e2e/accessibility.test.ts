// axe-core on every page, signed out and signed in, at desktop (1280 px) and phone (390 px) width:
// no serious or critical violation anywhere (decision 034). The rest (moderate, minor) is printed,
// rule by rule, for whoever improves the pages next. axe is evaluated through the DevTools
// protocol, which the page's strict CSP does not govern, so the CSP checks stay as they are.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setRoleInTestDb } from '@conduit/server/testing';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  apiClient,
  describeInBrowser,
  launchBrowser,
  openPage,
  signIn,
  signUp,
  startServer,
  type TestServer,
  type TestUser,
} from './harness';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), {
  encoding: 'utf8',
});

const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

type Size = (typeof WIDTHS)[number];

interface Finding {
  rule: string;
  impact: string;
  help: string;
  where: string;
  targets: string[];
}

const findings: Finding[] = [];
let checked = 0;

let server: TestServer;
let browser: Browser;
let author: TestUser;
let admin: TestUser;
let guarded: TestUser;
let slug = '';

/** The page settled: its heading shown and nothing left loading. */
async function settle(page: Page, heading: string | RegExp) {
  await page.getByRole('heading', { name: heading }).first().waitFor();
  await page.waitForFunction(() => !document.querySelector('.state-loading'));
}

/** Runs axe on the page as it is, at each width, and records what it finds. */
async function check(page: Page, where: string, widths: readonly Size[] = WIDTHS) {
  // Gone with every full load; evaluated again then.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  for (const size of widths) {
    await page.setViewportSize({ width: size.width, height: size.height });
    const found = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: AxeLike }).axe;
      const result = await axe.run(document, {
        // WCAG 2.5.3 (label in name) is marked experimental in axe: asked for by name.
        rules: { 'label-content-name-mismatch': { enabled: true } },
        resultTypes: ['violations'],
      });
      return result.violations.map((violation) => ({
        rule: violation.id,
        impact: violation.impact ?? 'unknown',
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.join(' ')),
      }));
    });
    checked += 1;
    for (const violation of found) findings.push({ ...violation, where: `${where} @${size.name}` });
  }
  await page.setViewportSize({ width: WIDTHS[0].width, height: WIDTHS[0].height });
}

interface AxeLike {
  run(
    context: Document,
    options: object,
  ): Promise<{
    violations: {
      id: string;
      impact?: string | null;
      help: string;
      nodes: { target: string[] }[];
    }[];
  }>;
}

/** Loads the page, waits for it to settle, and checks it. */
async function visit(page: Page, path: string, heading: string | RegExp, where = path) {
  await page.goto(path);
  await settle(page, heading);
  await check(page, where);
}

/** Lines of the browser's own log for 4xx answers provoked on purpose are not problems. */
const unexpected = (lines: string[]) =>
  lines.filter((line) => !/responded with a status of 4\d\d/.test(line));

describeInBrowser('accessibility (axe-core)', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    [author, admin, guarded] = await Promise.all([
      signUp(server, 'writer'),
      signUp(server, 'admin'),
      signUp(server, 'guarded'),
    ]);
    await setRoleInTestDb(admin.username, 'admin');
    const writer = apiClient(server, author.token);
    ({
      article: { slug },
    } = await writer.article.create.mutate({
      title: 'Reading with every sense',
      description: 'What a screen reader makes of a page',
      body: 'Headings, **landmarks** and `labels`.\n\n> A quote, and a [link](/).',
      tagList: ['a11y', 'reading'],
    }));
    await writer.comment.create.mutate({ slug, body: 'Checked with a screen reader too.' });
    await apiClient(server, admin.token).article.favorite.mutate({ slug });
    // An account with two-factor on, for the sign-in's second step.
    const own = apiClient(server, guarded.token);
    const { secret } = await own.twoFactor.begin.mutate({ currentPassword: guarded.password });
    const code = new TOTP({ secret: Secret.fromBase32(secret.replaceAll(' ', '')) }).generate();
    await own.twoFactor.enable.mutate({ code });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (checked === 0) return;
    const byRule = new Map<string, { impact: string; help: string; pages: Set<string> }>();
    for (const { rule, impact, help, where } of findings) {
      const entry = byRule.get(rule) ?? { impact, help, pages: new Set<string>() };
      entry.pages.add(where);
      byRule.set(rule, entry);
    }
    const lines = [...byRule].map(
      ([rule, { impact, help, pages }]) =>
        `  ${rule} (${impact}, ${pages.size} page views): ${help}`,
    );
    console.log(
      [
        `axe-core: ${checked} page views checked (pages × widths: 1280 and 390 px)`,
        lines.length > 0 ? 'violations by rule:' : 'no violations of any rule',
        ...lines,
      ].join('\n'),
    );
  });

  it('finds nothing serious signed out: home, tag, article, profile, sign-in and up, passwords, 404, 2FA', async () => {
    const from = findings.length;
    const { page, problems, context } = await openPage(browser, server);
    await visit(page, '/', 'Global feed', 'home (visitor)');
    await visit(page, '/?tag=a11y', 'Articles tagged a11y', 'tag feed (visitor)');
    await visit(page, `/article/${slug}`, 'Reading with every sense', 'article (visitor)');
    await visit(page, `/profile/${author.username}`, author.username, 'profile (visitor)');
    await visit(
      page,
      `/profile/${admin.username}/favorites`,
      admin.username,
      'favorites (visitor)',
    );
    await visit(page, '/login', 'Sign in', 'sign-in');
    await visit(page, '/register', 'Sign up', 'sign-up');
    // With the server's field errors shown.
    await page.getByRole('button', { name: 'Sign up', exact: true }).click();
    await page.locator('.field-error').first().waitFor();
    await check(page, 'sign-up with errors');
    await visit(page, '/forgot-password', 'Forgot your password?', 'forgot password');
    await visit(page, '/reset-password#token=not-a-token', /password|link/i, 'reset password');
    await visit(page, '/no-such-page', 'Page not found', '404');
    // The second step of signing in, for an account with two-factor on.
    await page.goto('/login');
    await page.getByLabel('Email').fill(guarded.email);
    await page.getByLabel('Password').fill(guarded.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await settle(page, 'Two-factor authentication');
    await check(page, 'two-factor step');
    expect(unexpected(problems.all())).toEqual([]);
    expect(serious(from)).toEqual([]);
    await context.close();
  });

  it('finds nothing serious signed in: feeds, article, profile, favorites, editor, settings, admin', async () => {
    const from = findings.length;
    const { page, problems, context } = await openPage(browser, server);
    await signIn(context, server, admin);
    await visit(page, '/', 'Global feed', 'home (signed in)');
    await visit(page, '/?feed=mine', 'Your feed', 'your feed');
    await visit(page, '/?tag=reading', 'Articles tagged reading', 'tag feed (signed in)');
    await visit(page, `/article/${slug}`, 'Reading with every sense', 'article (signed in)');
    await visit(page, `/profile/${admin.username}`, admin.username, 'own profile');
    await visit(page, `/profile/${admin.username}/favorites`, admin.username, 'own favorites');
    await visit(page, '/editor', 'New article', 'editor');
    await visit(page, '/settings', 'Your settings', 'settings (every section)');
    await visit(page, '/admin', 'Administration', 'admin');
    // The phone's menu, open.
    await page.setViewportSize({ width: WIDTHS[1].width, height: WIDTHS[1].height });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Settings', exact: true }).waitFor();
    await check(page, 'menu open', [WIDTHS[1]]);
    await visit(page, '/no-such-page', 'Page not found', '404 (signed in)');
    expect(unexpected(problems.all())).toEqual([]);
    expect(serious(from)).toEqual([]);
    await context.close();
  });
});

/** Serious and critical findings, one line each: what broke, where, on which elements. */
function serious(from: number): string[] {
  return findings
    .slice(from)
    .filter(({ impact }) => impact === 'serious' || impact === 'critical')
    .map(
      ({ rule, impact, where, targets }) =>
        `${rule} (${impact}) on ${where}: ${targets.slice(0, 3).join(', ')}`,
    );
}
