import { createServer, type Server } from 'node:net';
import { createDb, type Database, type DbConnection, eq, mailOutbox } from '@conduit/db';
import { getTestDatabaseUrl, getTestDb, resetDb } from '@conduit/db/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer, unusedPort } from '../test/smtp';
import { queueMail } from './outbox';
import { createMailSender, type MailSenderOptions } from './sender';
import { smtpTransport } from './transports';

const FROM = 'Conduit <no-reply@conduit.test>';
const RESET_LINK = 'https://conduit.test/reset#token=abc.secret';

let conn: DbConnection;
let db: Database;
let smtp: TestSmtpServer | undefined;
/** The senders' clock: starts now, moved by hand (no test sleeps through a backoff). */
let now: Date;
const senders: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  conn = await getTestDb();
  db = conn.db;
});

beforeEach(async () => {
  await resetDb(db);
  now = new Date(Date.now() + 1000);
});

afterEach(async () => {
  await Promise.all(senders.splice(0).map((sender) => sender.stop()));
  await smtp?.close();
  smtp = undefined;
});

function sender(url: string, options: Partial<MailSenderOptions> = {}) {
  const made = createMailSender({
    db,
    transport: smtpTransport(url, FROM),
    now: () => now,
    random: () => 0.5, // no jitter: waits are exact
    ...options,
  });
  senders.push(made);
  return made;
}

const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

const queueReset = (to = 'jake@example.com') =>
  queueMail(db, {
    to,
    template: 'password-reset',
    data: { username: 'jake', link: RESET_LINK, expiresInMinutes: 60 },
  });

async function row(id: number) {
  const [found] = await db.select().from(mailOutbox).where(eq(mailOutbox.id, id));
  if (!found) throw new Error(`no mail ${id}`);
  return found;
}

describe('the mail sender over SMTP', () => {
  it('delivers a queued message as text and HTML alternatives from MAIL_FROM', async () => {
    smtp = await startSmtpServer();
    const { id } = await queueReset();
    expect(await sender(smtp.url).runOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });

    const mail = await smtp.waitFor();
    expect(mail.envelope).toEqual({ from: 'no-reply@conduit.test', to: ['jake@example.com'] });
    expect(mail.from).toEqual({ name: 'Conduit', address: 'no-reply@conduit.test' });
    expect(mail.to).toEqual(['jake@example.com']);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.contentType).toBe('multipart/alternative');
    expect(mail.text).toContain('Hello jake,');
    expect(mail.links).toEqual([RESET_LINK]);
    expect(mail.html).toContain(`<a href="${RESET_LINK}">`);

    // Sent: recorded, and the bodies (a live reset link) gone from the database.
    const sent = await row(id);
    expect(sent).toMatchObject({
      status: 'sent',
      attempts: 1,
      lockedUntil: null,
      lastError: null,
      textBody: '',
      htmlBody: '',
      recipient: 'jake@example.com',
      subject: 'Reset your password',
      template: 'password-reset',
    });
    expect(sent.sentAt?.getTime()).toBe(now.getTime());
    expect(smtp.messages).toHaveLength(1);
    expect(await sender(smtp.url).runOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });
  });

  it('keeps mail through a mail server outage, retrying later and later, then delivers it', async () => {
    const port = await unusedPort();
    const down = sender(`smtp://127.0.0.1:${port}`);
    const { id } = await queueReset();

    expect(await down.runOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
    let waiting = await row(id);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lockedUntil: null });
    expect(waiting.lastError).toMatch(/ECONNREFUSED/);
    expect(waiting.lastError).not.toContain('token');
    expect(waiting.textBody).toContain(RESET_LINK); // kept until it is sent
    expect(waiting.nextAttemptAt.getTime()).toBe(now.getTime() + 30_000);

    // Not due yet: nobody tries.
    advance(29_000);
    expect(await down.runOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });
    advance(1000);
    expect(await down.runOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
    waiting = await row(id);
    expect(waiting.attempts).toBe(2);
    expect(waiting.nextAttemptAt.getTime()).toBe(now.getTime() + 60_000); // doubled

    // The server comes back on that port: the next attempt delivers.
    smtp = await startSmtpServer({ port });
    advance(60_000);
    expect(await down.runOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect((await smtp.waitFor()).links).toEqual([RESET_LINK]);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
  });

  it('gives up after the last attempt, keeping why but not the message', async () => {
    const port = await unusedPort();
    const down = sender(`smtp://127.0.0.1:${port}`, { retry: { maxAttempts: 3 } });
    const { id } = await queueReset();
    for (const wait of [0, 30_000, 60_000]) {
      advance(wait);
      await down.runOnce();
    }
    const failed = await row(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, textBody: '', htmlBody: '' });
    expect(failed.lastError).toMatch(/ECONNREFUSED/);
    advance(3_600_000);
    expect(await down.runOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(down.stats).toEqual({ sent: 0, retried: 2, failed: 1 });
  });

  it('gives up at once when the mail server refuses the recipient for good (5xx)', async () => {
    smtp = await startSmtpServer({ rejectRecipient: (address) => address.startsWith('nobody@') });
    const refused = await queueReset('nobody@example.com');
    const fine = await queueReset('jake@example.com');
    expect(await sender(smtp.url).runOnce()).toEqual({ sent: 1, retried: 0, failed: 1 });
    const failed = await row(refused.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.lastError).toMatch(/550/);
    expect((await row(fine.id)).status).toBe('sent');
  });

  it('cuts off a send that hangs, and retries it later', async () => {
    // Accepts connections and never says a word: no SMTP greeting.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const { id } = await queueReset();
      const hung = sender(`smtp://127.0.0.1:${port}`, { sendTimeoutMs: 300 });
      expect(await hung.runOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
      expect(await row(id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'sending timed out',
      });
    } finally {
      silent.close();
    }
  });

  it('when stopped mid-send, cuts the send off after a moment and leaves the message to retry', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const { id } = await queueReset();
      const stopping = sender(`smtp://127.0.0.1:${port}`, { stopGraceMs: 200, pubsub: undefined });
      const run = stopping.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await stopping.stop();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await run).toEqual({ sent: 0, retried: 1, failed: 0 });
      expect(await row(id)).toMatchObject({
        status: 'pending',
        lockedUntil: null,
        lastError: 'sending cut off: the server is stopping',
      });
    } finally {
      silent.close();
    }
  });

  it('signs in with the credentials of the URL, and never records its password', async () => {
    // Percent-encoded in the URL, as SMTP_URL must be: nodemailer decodes it.
    smtp = await startSmtpServer({ auth: { user: 'conduit@mail', pass: 's3cret pa55/:%' } });
    expect(smtp.url).toContain('conduit%40mail:s3cret%20pa55%2F%3A%25@');
    const { id } = await queueReset();
    const wrong = smtp.url.replace('s3cret%20pa55', 'wrong-pa55word');
    await sender(wrong).runOnce();
    const waiting = await row(id);
    expect(waiting.lastError).toMatch(/Invalid username or password|535/);
    expect(waiting.lastError).not.toContain('wrong-pa55word');

    advance(30_000);
    expect(await sender(smtp.url).runOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect((await smtp.waitFor()).subject).toBe('Reset your password');
  });
});

describe('several senders and restarts', () => {
  it('sends each message once when two senders race for them', async () => {
    smtp = await startSmtpServer();
    for (let n = 0; n < 24; n++) await queueReset(`reader${n}@example.com`);
    // On PostgreSQL the second sender has a connection pool of its own, as another process would.
    const url = await getTestDatabaseUrl();
    const other = url ? await createDb({ url, poolMax: 4 }) : undefined;
    try {
      const a = sender(smtp.url, { batchSize: 3 });
      const b = sender(smtp.url, { batchSize: 3, ...(other ? { db: other.db } : {}) });
      const [first, second] = await Promise.all([a.runOnce(), b.runOnce()]);
      expect((first?.sent ?? 0) + (second?.sent ?? 0)).toBe(24);
    } finally {
      await other?.close();
    }
    const recipients = smtp.messages.flatMap((mail) => mail.to).sort();
    expect(recipients).toHaveLength(24);
    expect(new Set(recipients).size).toBe(24);
  });

  it('a new sender picks up what was queued before it started, and what a dead one held', async () => {
    smtp = await startSmtpServer();
    const queued = await queueReset('before@example.com');
    // A sender claimed this one and died before sending: its lease (2 × the send timeout) holds.
    const held = await queueReset('held@example.com');
    await db
      .update(mailOutbox)
      .set({ attempts: 1, lockedUntil: new Date(now.getTime() + 120_000) })
      .where(eq(mailOutbox.id, held.id));

    const restarted = sender(smtp.url);
    expect(await restarted.runOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect((await smtp.waitFor()).to).toEqual(['before@example.com']);
    expect((await row(queued.id)).status).toBe('sent');

    advance(120_000);
    expect(await restarted.runOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(await row(held.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('once started, sends mail as soon as it is queued, in a transaction once that commits', async () => {
    smtp = await startSmtpServer();
    // Its own timer would not look again within the test: only the notification can wake it.
    const running = sender(smtp.url, { pubsub: conn, intervalMs: 60_000, now: undefined });
    await running.start();
    await db.transaction(async (tx) => {
      await queueMail(tx, {
        to: 'new@example.com',
        template: 'password-changed',
        data: { username: 'new' },
      });
    });
    const mail = await smtp.waitFor((m) => m.to.includes('new@example.com'), 5000);
    expect(mail.subject).toBe('Your password was changed');
  });
});

afterAll(async () => {
  await resetDb(db);
});
