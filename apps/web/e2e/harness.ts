// The browser tests' harness: the real server in production mode on a random port, serving the
// built web app (apps/web/dist), and the system Chromium driven by playwright-core, with what a
// test needs to prove nothing went wrong: console errors, page errors, CSP violations and
// requests that tried to leave the machine, collected per page.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@conduit/client';
import { serveTestApp } from '@conduit/server/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { chromiumArgs, chromiumPath, hasChromium } from './chromium';

export { chromiumPath, hasChromium };

/** `describe`, skipped when there is no Chromium (global-setup.ts says so once, or fails in CI). */
export const describeInBrowser = describe.skipIf(!hasChromium);

// The server -------------------------------------------------------------------------------------

export interface TestServer {
  /** http://localhost:<port>, the form the README gives users. */
  origin: string;
  close(): Promise<void>;
}

/**
 * The server as `pnpm start` runs it (NODE_ENV=production: `__Host-` Secure cookie, CSP with
 * upgrade-insecure-requests, HSTS), over the worker's test database (in-memory PGlite, or
 * PostgreSQL with TEST_DATABASE_URL), serving apps/web/dist, with the hot-read cache on. Rate limits are off: every request
 * comes from 127.0.0.1 and a journey signs up many users. Chromium treats http://localhost (and
 * 127.0.0.1) as a secure context: it keeps the Secure cookie and does not upgrade the page's own
 * requests to https.
 */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const { app, origin } = await serveTestApp({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '0',
    // Every write goes through the API here, so the cache is on, as in production.
    CACHE_TTL_MS: '30000',
    REGISTER_MAX_PER_IP: '0',
    LOGIN_MAX_ATTEMPTS_PER_IP: '0',
    ...env,
  });
  return { origin: origin.replace('//127.0.0.1:', '//localhost:'), close: () => app.close() };
}

// The browser ------------------------------------------------------------------------------------

/** Chromium with a throwaway profile folder (removed when the browser closes). */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'conduit-chromium-'));
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    env: { ...process.env, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile },
  });
  browser.on('disconnected', () => {
    void rm(profile, { recursive: true, force: true });
  });
  return browser;
}

/** What went wrong on a page, as it happened. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  cspViolations: string[];
  /** Requests to anywhere but this machine, refused (see blockExternalRequests). */
  externalRequests: string[];
  /** Everything above, one line each: a test asserts `expect(problems.all()).toEqual([])`. */
  all(): string[];
}

export interface UserPage {
  /** A fresh context: its own cookies and storage, like a separate person's browser. */
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}

/** A new user's browser (fresh context) with one page, watched for problems from the start. */
export async function openPage(browser: Browser, server: TestServer): Promise<UserPage> {
  const context = await browser.newContext({ baseURL: server.origin });
  const externalRequests = await blockExternalRequests(context);
  const page = await context.newPage();
  const problems = await watchProblems(page, externalRequests);
  return { context, page, problems };
}

/**
 * Collects the page's console errors, uncaught errors and CSP violations (reported by the page's
 * `securitypolicyviolation` events; Chromium also logs each one as a console error). Call it
 * before the page navigates.
 */
export async function watchProblems(
  page: Page,
  externalRequests: string[] = [],
): Promise<PageProblems> {
  const problems: PageProblems = {
    consoleErrors: [],
    pageErrors: [],
    cspViolations: [],
    externalRequests,
    all: () => [
      ...problems.consoleErrors.map((text) => `console error: ${text}`),
      ...problems.pageErrors.map((text) => `page error: ${text}`),
      ...problems.cspViolations.map((text) => `CSP violation: ${text}`),
      ...problems.externalRequests.map((url) => `external request: ${url}`),
    ],
  };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url, lineNumber } = message.location();
    problems.consoleErrors.push(url ? `${message.text()} (${url}:${lineNumber})` : message.text());
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.stack ?? error.message));
  await page.exposeFunction('__conduitCspViolation', (violation: string) => {
    problems.cspViolations.push(violation);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __conduitCspViolation(text: string): void })
        .__conduitCspViolation;
      report(
        `${event.effectiveDirective} refused ${event.blockedURI || 'inline'} in ${event.sourceFile || event.documentURI}:${event.lineNumber}`,
      );
    });
  });
  return problems;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Refuses (and records) every http(s) request the page or context makes to another machine, so a
 * test proves the app needs nothing from outside: no CDN, font or analytics host. Returns the
 * list it fills.
 */
export async function blockExternalRequests(target: Page | BrowserContext): Promise<string[]> {
  const blocked: string[] = [];
  await target.route(
    (url) => /^(https?|wss?):$/.test(url.protocol) && !LOCAL_HOSTS.has(url.hostname),
    async (route) => {
      blocked.push(route.request().url());
      await route.abort('blockedbyclient');
    },
  );
  return blocked;
}

const SCREENSHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));

/** Saves the whole page to apps/web/test-results/screenshots/<name>.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!/^[\w.-]+$/.test(name))
    throw new Error(`screenshot name ${JSON.stringify(name)}: letters, digits, . _ - only`);
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Users ------------------------------------------------------------------------------------------

const run = Math.random().toString(36).slice(2, 7);
let users = 0;

export interface TestUser {
  username: string;
  email: string;
  password: string;
  token: string;
}

/** A new user signed up through the API (fast: no page), with a name unique to this run. */
export async function signUp(server: TestServer, name = 'user'): Promise<TestUser> {
  users += 1;
  const username = `${name}${run}${users}`.slice(0, 32);
  const email = `${username}@example.com`;
  const password = 'correct horse battery staple';
  const { token } = await apiClient(server).auth.register.mutate({ email, username, password });
  return { username, email, password, token };
}

/** The typed client, as an API user (with a token) or a visitor. */
export function apiClient(server: TestServer, token?: string) {
  return createClient({ url: server.origin, token });
}

/**
 * Signs a browser context in as `user` without a trip through the sign-in page, by the session
 * cookie the server would have set. (With `url`, Playwright would drop `secure` for an http
 * origin, which a `__Host-` cookie must have; a domain without a dot stays host-only.)
 */
export async function signIn(context: BrowserContext, server: TestServer, user: TestUser) {
  await context.addCookies([
    {
      name: '__Host-conduit_session',
      value: user.token,
      domain: new URL(server.origin).hostname,
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
    },
  ]);
}
