// Personal access tokens in a real browser (decision 028): made on the settings page (shown once,
// with a copy button), used by a script with `Authorization: Bearer` against /api and /trpc and by
// the typed client, listed with their last use, revoked, and refused from then on.
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
let user: TestUser;
let me: UserPage;

describeInBrowser('personal access tokens', () => {
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    user = await signUp(server, 'tokens');
    me = await openPage(browser, server);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('is made in Settings, works for a script on both surfaces, and is refused once revoked', async () => {
    const { page } = me;
    await signIn(me.context, server, user);
    await page.goto('/settings');
    const section = page.getByRole('region', { name: 'Personal access tokens' });
    await section.getByText('0 tokens.').waitFor();
    await section.getByLabel('Token name').fill('CI publisher');
    await section.getByLabel('Scope').selectOption('write');
    await section.getByLabel('Expires after').selectOption('90');
    await section.getByRole('button', { name: 'Create token' }).click();

    const shown = section.getByLabel(/Your new token “CI publisher”/);
    await shown.waitFor();
    const token = await shown.inputValue();
    expect(token).toMatch(/^cdt_[a-z2-7]{63}$/);
    await section.getByRole('button', { name: 'Copy' }).waitFor();
    await section.getByText('1 token.').waitFor();
    await section.getByText('never used').waitFor();
    await screenshot(page, 'access-token-created');

    // A script, outside the browser: REST, tRPC, and the typed client.
    const bearer = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const rest = await fetch(`${server.origin}/api/user`, { headers: bearer });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { user: { username: string } }).user.username).toBe(
      user.username,
    );
    const created = await fetch(`${server.origin}/trpc/article.create`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ title: 'Sent by a script', description: 'with a token', body: 'Hi.' }),
    });
    expect(created.status).toBe(200);
    const refused = await fetch(`${server.origin}/api/user`, {
      method: 'PUT',
      headers: bearer,
      body: JSON.stringify({ user: { bio: 'changed by a script' } }),
    });
    expect(refused.status).toBe(403);
    expect((await apiClient(server, token).auth.me.query()).user.username).toBe(user.username);

    // Seen on the page: the article, the last use; the token's text never again.
    await page.reload();
    await section.getByText(/last used/).waitFor();
    expect(await page.content()).not.toContain(token);
    await page.goto(`/profile/${user.username}`);
    await page.getByText('Sent by a script').waitFor();

    await page.goto('/settings');
    await section.getByRole('button', { name: 'Revoke “CI publisher”' }).click();
    await section.getByText('0 tokens.').waitFor();
    const after = await fetch(`${server.origin}/trpc/auth.me`, { headers: bearer });
    expect(after.status).toBe(401);
    const { error } = (await after.json()) as { error: { message: string } };
    expect(error.message).toBe('This personal access token was revoked');
    expect((await fetch(`${server.origin}/api/user`, { headers: bearer })).status).toBe(401);
    expect(me.problems.all().filter((line) => !line.includes('status of 4'))).toEqual([]);
  });
});
