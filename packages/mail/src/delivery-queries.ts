// The outbox as the sender sees it: claim due messages under a lease, then record how each went.
// Every statement takes the time as an SQL value (the database's now(), or a test's clock), so
// "due", leases and backoff are all measured on one clock.
import {
  and,
  asc,
  type Database,
  eq,
  inArray,
  isNull,
  lte,
  mailOutbox,
  or,
  type SQL,
  sql,
} from '@conduit/db';
import type { OutgoingMail } from './transports';

export interface ClaimedMail extends OutgoingMail {
  /** This attempt's number; also the claim's fencing token (see `settled`). */
  attempts: number;
}

const after = (at: SQL, ms: number) => sql`${at} + ${`${Math.round(ms)} milliseconds`}::interval`;

/**
 * Takes up to `limit` pending messages that are due and not leased by another sender, counts the
 * attempt and leases them until `at + leaseMs`. SKIP LOCKED: senders claiming at the same moment
 * (WORKERS processes, other machines) each get different messages, and none waits for another.
 * A sender that dies mid-send leaves its lease to run out; another then retries the message.
 */
export async function claimDueMail(
  db: Database,
  { at, limit, leaseMs }: { at: SQL; limit: number; leaseMs: number },
): Promise<ClaimedMail[]> {
  const due = db
    .select({ id: mailOutbox.id })
    .from(mailOutbox)
    .where(
      and(
        eq(mailOutbox.status, 'pending'),
        lte(mailOutbox.nextAttemptAt, at),
        or(isNull(mailOutbox.lockedUntil), lte(mailOutbox.lockedUntil, at)),
      ),
    )
    .orderBy(asc(mailOutbox.nextAttemptAt), asc(mailOutbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(mailOutbox)
    .set({ attempts: sql`${mailOutbox.attempts} + 1`, lockedUntil: after(at, leaseMs) })
    .where(inArray(mailOutbox.id, due))
    .returning({
      id: mailOutbox.id,
      to: mailOutbox.recipient,
      subject: mailOutbox.subject,
      text: mailOutbox.textBody,
      html: mailOutbox.htmlBody,
      template: mailOutbox.template,
      attempts: mailOutbox.attempts,
    });
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * Only the claim that is still current may settle a message: had this sender's lease run out and
 * another sender claimed the message again (attempts moved on), this late answer changes nothing.
 */
const settled = (mail: ClaimedMail) =>
  and(
    eq(mailOutbox.id, mail.id),
    eq(mailOutbox.attempts, mail.attempts),
    eq(mailOutbox.status, 'pending'),
  );

/** Bodies removed from a message nobody will send again (they may hold live links). */
const NO_BODIES = { textBody: '', htmlBody: '' };

export async function markSent(
  db: Database,
  mail: ClaimedMail,
  { at, keepBodies }: { at: SQL; keepBodies: boolean },
): Promise<void> {
  await db
    .update(mailOutbox)
    .set({
      status: 'sent',
      sentAt: at,
      lockedUntil: null,
      lastError: null,
      ...(keepBodies ? {} : NO_BODIES),
    })
    .where(settled(mail));
}

export async function scheduleRetry(
  db: Database,
  mail: ClaimedMail,
  { at, delayMs, error }: { at: SQL; delayMs: number; error: string },
): Promise<void> {
  await db
    .update(mailOutbox)
    .set({ nextAttemptAt: after(at, delayMs), lockedUntil: null, lastError: error })
    .where(settled(mail));
}

export async function markFailed(
  db: Database,
  mail: ClaimedMail,
  { error, keepBodies }: { error: string; keepBodies: boolean },
): Promise<void> {
  await db
    .update(mailOutbox)
    .set({
      status: 'failed',
      lockedUntil: null,
      lastError: error,
      ...(keepBodies ? {} : NO_BODIES),
    })
    .where(settled(mail));
}
