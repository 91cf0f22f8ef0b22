import { auditLog, type Database, users } from '@conduit/db';
import { createUser, getTestDb, resetDb } from '@conduit/db/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditSecretError, listAudit, recordAudit } from './audit';

let db: Database;

beforeAll(async () => {
  db = (await getTestDb()).db;
});
beforeEach(async () => {
  await resetDb(db);
});

describe('recordAudit and listAudit', () => {
  it('records who did what, to what, when and from where', async () => {
    const moderator = await createUser(db, { username: 'mod', role: 'moderator' });
    const before = new Date();
    await recordAudit(db, {
      action: 'moderation.article.delete',
      actorId: moderator.id,
      targetType: 'article',
      targetId: 'how-to-spam',
      ip: '198.51.100.4',
      userAgent: `curl/8 ${'x'.repeat(600)}\u0000`,
      details: { reason: 'spam', tags: ['a', 'b'] },
    });
    await recordAudit(db, { action: 'auth.login.failed', ip: '198.51.100.5' });

    const { entries, nextCursor } = await listAudit(db, { limit: 10 });
    expect(nextCursor).toBeNull();
    expect(entries).toHaveLength(2);
    const [failed, deletion] = entries;
    expect(failed).toMatchObject({
      action: 'auth.login.failed',
      actor: null,
      targetType: null,
      targetId: null,
      ip: '198.51.100.5',
      userAgent: null,
      details: {},
    });
    expect(deletion).toMatchObject({
      action: 'moderation.article.delete',
      actor: { id: moderator.id, username: 'mod' },
      targetType: 'article',
      targetId: 'how-to-spam',
      ip: '198.51.100.4',
      details: { reason: 'spam', tags: ['a', 'b'] },
    });
    expect(deletion?.userAgent).toHaveLength(512);
    expect(deletion?.userAgent).not.toContain('\u0000');
    expect(deletion?.at).toBeInstanceOf(Date);
    expect(deletion?.at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
  });

  it('pages newest first with a cursor until the last page', async () => {
    const actor = await createUser(db, { username: 'alice' });
    for (let i = 1; i <= 7; i++) {
      await recordAudit(db, { action: 'auth.login.ok', actorId: actor.id, details: { n: i } });
    }
    const first = await listAudit(db, { limit: 3 });
    const second = await listAudit(db, { limit: 3, cursor: first.nextCursor ?? undefined });
    const third = await listAudit(db, { limit: 3, cursor: second.nextCursor ?? undefined });
    const numbers = (page: typeof first) => page.entries.map((entry) => entry.details.n);
    expect([numbers(first), numbers(second), numbers(third)]).toEqual([[7, 6, 5], [4, 3, 2], [1]]);
    expect(first.nextCursor).toBe(first.entries.at(-1)?.id);
    expect(second.nextCursor).toBe(second.entries.at(-1)?.id);
    expect(third.nextCursor).toBeNull();
    expect(first.entries[0]?.actor).toEqual({ id: actor.id, username: 'alice' });
  });

  it('has no next page when the last page is exactly full', async () => {
    for (let i = 0; i < 4; i++) await recordAudit(db, { action: 'auth.logout' });
    const first = await listAudit(db, { limit: 2 });
    const second = await listAudit(db, { limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.entries).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
  });

  it('orders by time even where ids disagree, and pages without skipping or repeating', async () => {
    // Concurrent transactions can commit a later id with an earlier time.
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
    await db.insert(auditLog).values([
      { action: 'auth.login.ok', at: at(3), details: { n: 'c' } },
      { action: 'auth.login.ok', at: at(1), details: { n: 'a' } },
      { action: 'auth.login.ok', at: at(4), details: { n: 'd' } },
      { action: 'auth.login.ok', at: at(2), details: { n: 'b' } },
    ]);
    const seen: unknown[] = [];
    let cursor: number | undefined;
    do {
      const page = await listAudit(db, { limit: 1, cursor });
      seen.push(...page.entries.map((entry) => entry.details.n));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['d', 'c', 'b', 'a']);
  });

  it('shows no actor once the account is gone', async () => {
    const gone = await createUser(db);
    await recordAudit(db, { action: 'auth.logout', actorId: gone.id });
    await db.delete(users);
    const { entries } = await listAudit(db, { limit: 1 });
    expect(entries[0]?.actor).toBeNull();
  });
});

describe('secrets in details', () => {
  it.each([
    ['password', { password: 'hunter22' }],
    ['any case', { newPASSWORD: 'hunter22' }],
    ['token', { sessionToken: 'abc.def' }],
    ['secret', { nested: { clientSecret: 'x' } }],
    ['hash', { list: [{ passwordHash: '$argon2id$...' }] }],
  ])(
    'refuses a details key that looks like a secret (%s) and writes nothing',
    async (_case, details) => {
      await expect(recordAudit(db, { action: 'user.update', details })).rejects.toThrow(
        AuditSecretError,
      );
      expect((await listAudit(db, { limit: 1 })).entries).toEqual([]);
    },
  );

  it('accepts ordinary details, including secret-sounding values under plain keys', async () => {
    const details = { from: 'user', to: 'moderator', note: 'reset password by request' };
    await recordAudit(db, { action: 'admin.role.set', details });
    expect((await listAudit(db, { limit: 1 })).entries[0]?.details).toEqual(details);
  });
});
