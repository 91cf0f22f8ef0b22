// WORKERS processes each run a mail sender: every queued message still goes out exactly once.
// PostgreSQL only (the embedded database serves one process).
import { getTestDatabaseUrl, getTestDb, resetDb } from '@conduit/db/testing';
import { queueMail } from '@conduit/mail';
import { startSmtpServer } from '@conduit/mail/testing';
import { describe, expect, it } from 'vitest';
import { freePort, startServerProcess } from './process';
import { until } from './until';

const databaseUrl = await getTestDatabaseUrl();

describe.skipIf(!databaseUrl)(
  'mail with WORKERS (needs TEST_DATABASE_URL)',
  { timeout: 60_000 },
  () => {
    it('sends each message once, though every process has a sender woken by each', async () => {
      const { db } = await getTestDb();
      await resetDb(db);
      const smtp = await startSmtpServer();
      const server = startServerProcess({
        WORKERS: '3',
        DATABASE_URL: databaseUrl ?? '',
        PORT: String(await freePort()),
        SMTP_URL: smtp.url,
      });
      try {
        const listening = () => server.output().stdout.match(/Server listening at/g)?.length ?? 0;
        await until('three workers listening', () => listening() >= 3);
        for (let n = 0; n < 30; n++) {
          await queueMail(db, {
            to: `reader${n}@example.com`,
            template: 'password-changed',
            data: { username: `reader${n}` },
          });
        }
        await until('30 messages delivered', () => smtp.messages.length >= 30);
        // Time for a duplicate, had any process sent one a second time.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const recipients = smtp.messages.flatMap((mail) => mail.to);
        expect(recipients).toHaveLength(30);
        expect(new Set(recipients).size).toBe(30);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
        await smtp.close();
        await resetDb(db);
      }
    });
  },
);
