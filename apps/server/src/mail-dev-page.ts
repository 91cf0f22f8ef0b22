// GET /dev/mail: the development outbox as a page, newest first, links clickable. Registered only
// when NODE_ENV=development, and even then only for a browser on this machine: it shows live
// sign-in links (password reset, verification) for every account.
import type { Database } from '@conduit/db';
import { latestMail, type OutboxEntry } from '@conduit/mail';
import type { FastifyPluginAsync } from 'fastify';
import { errorBody } from './plugins/errors';
import { isLocalRequest } from './plugins/metrics';

const SHOWN = 50;

export const devOutboxPage: FastifyPluginAsync<{ db: Database }> = async (app, { db }) => {
  app.get('/dev/mail', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!isLocalRequest(request)) {
      return reply.status(404).send(errorBody(404, 'No route for GET /dev/mail'));
    }
    const entries = await latestMail(db, SHOWN);
    return reply.type('text/html; charset=utf-8').send(page(entries));
  });
};

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const LINK = /https?:\/\/[^\s<>"']+/g;

/** The text body, escaped, with its links made clickable. */
function linkedText(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const url = match[0];
    html += escapeHtml(text.slice(last, match.index));
    html += `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    last = match.index + url.length;
  }
  return html + escapeHtml(text.slice(last));
}

function entry(mail: OutboxEntry): string {
  const state =
    mail.status === 'pending' && mail.attempts > 0
      ? `pending, ${mail.attempts} failed attempt(s), next ${mail.nextAttemptAt.toISOString()}`
      : mail.status;
  const body = mail.textBody ? linkedText(mail.textBody) : '(body removed once sent)';
  return [
    '<article>',
    `<h2>${escapeHtml(mail.subject)}</h2>`,
    `<p>To ${escapeHtml(mail.recipient)} · ${escapeHtml(mail.template)} · ${mail.createdAt.toISOString()} · ${escapeHtml(state)}</p>`,
    mail.lastError ? `<p>Last error: ${escapeHtml(mail.lastError)}</p>` : '',
    `<pre>${body}</pre>`,
    '</article>',
  ].join('\n');
}

function page(entries: OutboxEntry[]): string {
  const list = entries.length > 0 ? entries.map(entry).join('\n<hr>\n') : '<p>No mail yet.</p>';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Development outbox · Conduit</title></head>
<body>
<h1>Development outbox</h1>
<p>The latest ${SHOWN} messages, newest first (also: <code>pnpm mail:outbox</code>). Reload to see new ones.</p>
${list}
</body>
</html>
`;
}
