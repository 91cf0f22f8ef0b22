// The outbox as a developer reads it: the latest messages, newest first (pnpm mail:outbox, /dev/mail).
import { type Database, desc, mailOutbox } from '@conduit/db';

export type OutboxEntry = Pick<
  typeof mailOutbox.$inferSelect,
  | 'id'
  | 'recipient'
  | 'subject'
  | 'template'
  | 'status'
  | 'attempts'
  | 'lastError'
  | 'createdAt'
  | 'nextAttemptAt'
  | 'sentAt'
  | 'textBody'
>;

export async function latestMail(db: Database, limit = 20): Promise<OutboxEntry[]> {
  return db
    .select({
      id: mailOutbox.id,
      recipient: mailOutbox.recipient,
      subject: mailOutbox.subject,
      template: mailOutbox.template,
      status: mailOutbox.status,
      attempts: mailOutbox.attempts,
      lastError: mailOutbox.lastError,
      createdAt: mailOutbox.createdAt,
      nextAttemptAt: mailOutbox.nextAttemptAt,
      sentAt: mailOutbox.sentAt,
      textBody: mailOutbox.textBody,
    })
    .from(mailOutbox)
    .orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id))
    .limit(limit);
}
