import { type Database, eq, mailOutbox } from '@conduit/db';
import { getTestDb, resetDb } from '@conduit/db/testing';
import { queueMail } from '@conduit/mail';
import { startSmtpServer, type TestSmtpServer } from '@conduit/mail/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { testConfig } from './helpers';

let db: Database;
let app: FastifyInstance | undefined;
let smtp: TestSmtpServer | undefined;
let lines: string[];

beforeAll(async () => {
  db = (await getTestDb()).db;
});

beforeEach(async () => {
  await resetDb(db);
  lines = [];
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await smtp?.close();
  smtp = undefined;
});

async function start(env: Record<string, string>): Promise<FastifyInstance> {
  app = await buildApp(testConfig(env), {
    database: await getTestDb(),
    logStream: { write: (line) => lines.push(line) },
  });
  await app.ready();
  return app;
}

const queueReset = (to = 'jake@example.com') =>
  queueMail(db, {
    to,
    template: 'password-reset',
    data: {
      username: 'jake',
      link: 'https://conduit.test/reset#token=1.s3cret',
      expiresInMinutes: 60,
    },
  });

async function statusOf(id: number): Promise<string | undefined> {
  const [row] = await db
    .select({ status: mailOutbox.status })
    .from(mailOutbox)
    .where(eq(mailOutbox.id, id));
  return row?.status;
}

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const logged = (message: string) =>
  lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg?.includes(message));

describe('mail delivery in the server', () => {
  it('with SMTP_URL, sends what is queued, at once, from MAIL_FROM', async () => {
    smtp = await startSmtpServer();
    const server = await start({ SMTP_URL: smtp.url, MAIL_FROM: 'Conduit <hello@conduit.test>' });
    const { id } = await queueReset();
    const mail = await smtp.waitFor((m) => m.to.includes('jake@example.com'), 5000);
    expect(mail.from).toEqual({ name: 'Conduit', address: 'hello@conduit.test' });
    expect(mail.links).toEqual(['https://conduit.test/reset#token=1.s3cret']);
    await until(async () => (await statusOf(id)) === 'sent');

    const metrics = await server.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/^mail_messages_total\{result="sent"\} 1$/m);
  });

  it('stops its sender on close, and a later server sends what was left', async () => {
    smtp = await startSmtpServer();
    await start({ SMTP_URL: smtp.url });
    await app?.close();
    app = undefined;
    const { id } = await queueReset();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await statusOf(id)).toBe('pending');

    await start({ SMTP_URL: smtp.url });
    await smtp.waitFor(undefined, 5000);
    await until(async () => (await statusOf(id)) === 'sent');
  });

  it('in development without SMTP_URL, keeps mail in the outbox: logged, and listed at /dev/mail', async () => {
    const server = await start({ NODE_ENV: 'development', LOG_LEVEL: 'info' });
    const { id } = await queueReset();
    await until(async () => (await statusOf(id)) === 'sent');
    const [line] = logged('development outbox');
    expect(line).toMatchObject({
      mailId: id,
      to: 'jake@example.com',
      subject: 'Reset your password',
      template: 'password-reset',
    });
    expect(line.text).toContain('https://conduit.test/reset#token=1.s3cret');

    const page = await server.inject({ url: '/dev/mail', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Reset your password');
    expect(page.body).toContain(
      '<a href="https://conduit.test/reset#token=1.s3cret">https://conduit.test/reset#token=1.s3cret</a>',
    );

    // Only for a browser on this machine.
    const remote = await server.inject({ url: '/dev/mail', remoteAddress: '203.0.113.7' });
    expect(remote.statusCode).toBe(404);
    const proxied = await server.inject({
      url: '/dev/mail',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(proxied.statusCode).toBe(404);
    expect(proxied.body).not.toContain('s3cret');
  });

  it('in production without SMTP_URL, sends nothing, says so at start, and has no /dev/mail', async () => {
    const server = await start({ NODE_ENV: 'production', LOG_LEVEL: 'info' });
    expect(logged('SMTP_URL is not set')).toHaveLength(1);
    const { id } = await queueReset();
    const page = await server.inject({ url: '/dev/mail' });
    expect(page.statusCode).toBe(404);
    expect(page.body).not.toContain('s3cret');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await statusOf(id)).toBe('pending');
    expect(lines.join('\n')).not.toContain('s3cret');
  });
});
