// Reading what the flows mailed, from the outbox (delivery is the mail sender's business), and a
// small in-memory limiter for throttling tests.
import { and, asc, type Database, eq, mailOutbox } from '@conduit/db';
import type { RateLimiter } from '../src/index';

export interface Mail {
  recipient: string;
  template: string;
  subject: string;
  textBody: string;
  htmlBody: string;
}

/** The messages queued for `to` (any case), oldest first, optionally of one template. */
export async function mailTo(db: Database, to: string, template?: string): Promise<Mail[]> {
  const rows = await db
    .select()
    .from(mailOutbox)
    .where(
      template === undefined
        ? eq(mailOutbox.recipient, to)
        : and(eq(mailOutbox.recipient, to), eq(mailOutbox.template, template)),
    )
    .orderBy(asc(mailOutbox.id));
  return rows;
}

/** The link in a message's text, and the token in its `#token=` fragment. */
export function linkIn(mail: Mail): { link: string; token: string } {
  const link = /https?:\/\/\S+#token=\S+/.exec(mail.textBody)?.[0];
  if (!link) throw new Error(`no link in ${mail.template} mail: ${mail.textBody}`);
  const token = decodeURIComponent(link.slice(link.indexOf('#token=') + '#token='.length));
  return { link, token };
}

/** The token of the newest `template` mail to `to`; fails if there is none. */
export async function latestToken(db: Database, to: string, template: string): Promise<string> {
  const mails = await mailTo(db, to, template);
  const last = mails.at(-1);
  if (!last) throw new Error(`no ${template} mail to ${to}`);
  return linkIn(last).token;
}

/** Fixed windows held in a Map, on the real clock: enough for counting within one test. */
export function memoryLimiter(): RateLimiter {
  const counts = new Map<string, { count: number; endsAt: number }>();
  const state = (key: string, windowMs: number) => {
    const now = Date.now();
    let window = counts.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      counts.set(key, window);
    }
    return window;
  };
  const answer = (count: number, limit: number, endsAt: number) => ({
    allowed: limit <= 0 || count <= limit,
    remaining: limit <= 0 ? Number.POSITIVE_INFINITY : Math.max(0, limit - count),
    retryAfterMs: Math.max(0, endsAt - Date.now()),
  });
  return {
    async hit(key, limit, windowMs) {
      const window = state(key, windowMs);
      window.count += 1;
      return answer(window.count, limit, window.endsAt);
    },
    async peek(key, limit, windowMs) {
      const window = state(key, windowMs);
      return answer(window.count + 1, limit, window.endsAt);
    },
    async reset(key) {
      counts.delete(key);
    },
  };
}
