import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDb, type Database, mailOutbox } from '@conduit/db';
import { getTestDatabaseUrl, getTestDb, resetDb } from '@conduit/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueMail } from '../outbox';
import { formatOutbox } from './format';

const CLI = fileURLToPath(new URL('./outbox.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const LINK = 'http://localhost:3000/reset#token=7.s3cret';

/** The database the CLI is pointed at: the worker's PostgreSQL one, or an embedded one of its own. */
let env: Record<string, string>;
let folder: string | undefined;

async function fill(db: Database) {
  await queueMail(db, {
    to: 'jake@example.com',
    template: 'password-reset',
    data: { username: 'jake', link: LINK, expiresInMinutes: 60 },
  });
  await db.insert(mailOutbox).values({
    recipient: 'amy@example.com',
    subject: 'Old news',
    textBody: '',
    htmlBody: '',
    template: 'password-changed',
    status: 'sent',
    attempts: 1,
    sentAt: new Date(),
    createdAt: new Date(Date.now() - 60_000),
  });
}

beforeAll(async () => {
  // Not opening the worker's embedded database only to learn that it is one.
  const url = process.env.TEST_DATABASE_URL ? await getTestDatabaseUrl() : undefined;
  if (url) {
    const { db } = await getTestDb();
    await resetDb(db);
    await fill(db);
    env = { DATABASE_URL: url };
  } else {
    folder = await mkdtemp(join(tmpdir(), 'conduit-mail-cli-'));
    const conn = await createDb({ pgliteDir: folder });
    await conn.migrate();
    await fill(conn.db);
    await conn.close();
    env = { PGLITE_DIR: folder };
  }
});

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
  else await resetDb((await getTestDb()).db);
});

const run = (extra: Record<string, string>, args: string[] = []) =>
  promisify(execFile)(TSX, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env, ...extra },
    cwd: tmpdir(),
  });

describe('pnpm mail:outbox', () => {
  it('lists the latest mail, newest first, with its text and links', async () => {
    const { stdout } = await run({ NODE_ENV: 'development' });
    expect(stdout.indexOf('Reset your password')).toBeLessThan(stdout.indexOf('Old news'));
    expect(stdout).toContain('To:       jake@example.com');
    expect(stdout).toContain(LINK);
    expect(stdout).toContain('(body removed once sent)');
  });

  it('leaves the bodies out in production, and honours --limit', async () => {
    const { stdout, stderr } = await run({ NODE_ENV: 'production' }, ['--limit', '1']);
    expect(stdout).toContain('Reset your password');
    expect(stdout).not.toContain('s3cret');
    expect(stdout).not.toContain('Old news');
    expect(stderr).toContain('Bodies left out in production');
  });

  it('refuses a bad limit with its usage, exit code 2', async () => {
    await expect(run({}, ['--limit', 'lots'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Usage: pnpm mail:outbox'),
    });
  });
});

describe('formatOutbox', () => {
  it('says how pending mail is faring', () => {
    const text = formatOutbox(
      [
        {
          id: 3,
          recipient: 'jake@example.com',
          subject: 'Reset your password',
          template: 'password-reset',
          status: 'pending',
          attempts: 2,
          lastError: 'connect ECONNREFUSED 127.0.0.1:25',
          createdAt: new Date('2026-01-02T03:04:05.678Z'),
          nextAttemptAt: new Date('2026-01-02T03:06:05Z'),
          sentAt: null,
          textBody: 'Hello\n',
        },
      ],
      { showBodies: true },
    );
    expect(text).toBe(
      [
        '#3  2026-01-02 03:04:05Z  pending: 2 failed attempt(s), next at 2026-01-02 03:06:05Z',
        'To:       jake@example.com',
        'Subject:  Reset your password  [password-reset]',
        'Error:    connect ECONNREFUSED 127.0.0.1:25',
        '',
        'Hello',
      ].join('\n'),
    );
    expect(formatOutbox([], { showBodies: true })).toBe('The outbox is empty.');
  });
});
