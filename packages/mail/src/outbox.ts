// Queueing mail: a row in the outbox, in the caller's transaction when it passes one, so a message
// exists exactly when what caused it was committed. Sending is the sender's job, never the request's.
import { type Database, mailOutbox, sql } from '@conduit/db';
import { type MailTemplates, renderMail, type TemplateName } from './templates';

/**
 * Senders LISTEN here to send new mail at once rather than at their next look. Notified in the
 * caller's transaction, so it arrives when the message can be seen, and reaches every process.
 */
export const MAIL_QUEUED_CHANNEL = 'mail_queued';

export interface QueuedMail {
  id: number;
}

export async function queueMail<N extends TemplateName>(
  db: Database,
  message: { to: string; template: N; data: MailTemplates[N] },
): Promise<QueuedMail> {
  const { subject, text, html } = renderMail(message.template, message.data);
  const [row] = await db
    .insert(mailOutbox)
    .values({
      recipient: message.to,
      subject,
      textBody: text,
      htmlBody: html,
      template: message.template,
    })
    .returning({ id: mailOutbox.id });
  if (!row) throw new Error('queueMail: insert returned no row');
  await db.execute(sql`select pg_notify(${MAIL_QUEUED_CHANNEL}, '')`);
  return row;
}
