// How `pnpm mail:outbox` prints the outbox: one block per message, newest first.
import type { OutboxEntry } from '../listing';

const time = (date: Date) =>
  date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

function stateOf(mail: OutboxEntry): string {
  if (mail.status === 'sent') return `sent ${mail.sentAt ? time(mail.sentAt) : ''}`.trim();
  if (mail.status === 'failed') return `failed after ${mail.attempts} attempt(s)`;
  if (mail.attempts === 0) return 'pending';
  return `pending: ${mail.attempts} failed attempt(s), next at ${time(mail.nextAttemptAt)}`;
}

/** `showBodies: false` (production) leaves out the text, which may hold live links. */
export function formatOutbox(entries: OutboxEntry[], { showBodies }: { showBodies: boolean }) {
  if (entries.length === 0) return 'The outbox is empty.';
  return entries
    .map((mail) => {
      const lines = [
        `#${mail.id}  ${time(mail.createdAt)}  ${stateOf(mail)}`,
        `To:       ${mail.recipient}`,
        `Subject:  ${mail.subject}  [${mail.template}]`,
      ];
      if (mail.lastError) lines.push(`Error:    ${mail.lastError}`);
      if (showBodies) {
        lines.push('', mail.textBody ? mail.textBody.trimEnd() : '(body removed once sent)');
      }
      return lines.join('\n');
    })
    .join(`\n\n${'-'.repeat(72)}\n\n`);
}
