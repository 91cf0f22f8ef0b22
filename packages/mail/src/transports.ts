// Where the sender hands messages: an SMTP server (nodemailer), or the development outbox, which
// delivers nowhere and logs each message instead.
import { createTransport } from 'nodemailer';

export interface OutgoingMail {
  id: number;
  to: string;
  subject: string;
  text: string;
  html: string;
  template: string;
}

export interface MailTransport {
  /** Named in logs and metrics. */
  readonly name: 'smtp' | 'dev-outbox';
  /**
   * Whether a delivered message keeps its bodies in the outbox. Bodies carry live links (password
   * reset, verification): once mail has really left, the database copy of them goes.
   */
  readonly keepsBodies: boolean;
  /** Resolves once the message is accepted; throws a MailDeliveryError (or anything) when not. */
  send(mail: OutgoingMail, signal: AbortSignal): Promise<void>;
  close(): void;
}

/** A refusal; `permanent` when retrying cannot help (the mail server rejected every recipient). */
export class MailDeliveryError extends Error {
  override name = 'MailDeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** Timeouts well inside the sender's lease on a message (see sender.ts), and far below nodemailer's. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * SMTP through nodemailer. `url` is smtp://[user:pass@]host[:port] (STARTTLS when the server
 * offers it) or smtps:// (TLS from the start, port 465 by default). One connection per message:
 * mail is rare here, and a connection that is not kept cannot go stale.
 */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = createTransport({ url, ...SMTP_TIMEOUTS }, { from });
  const password = passwordOf(url);
  return {
    name: 'smtp',
    keepsBodies: false,
    async send(mail, signal) {
      try {
        await transporter.sendMail({
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          signal,
        });
      } catch (error) {
        throw smtpFailure(error, password);
      }
    },
    close: () => transporter.close(),
  };
}

function passwordOf(url: string): string | undefined {
  try {
    const { password } = new URL(url);
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The reason as the outbox and the logs keep it: nodemailer's code and message (which quote the
 * server's reply, never the message), with the SMTP password taken out should any layer echo it.
 * A 5xx reply to the envelope (no such mailbox, address refused) is permanent (RFC 5321 4.2.1):
 * a day of retries would not change it.
 */
function smtpFailure(error: unknown, password: string | undefined): MailDeliveryError {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  let message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && !message.includes(code)) message = `${code}: ${message}`;
  if (password) message = message.split(password).join('***');
  const permanent =
    code === 'EENVELOPE' &&
    typeof responseCode === 'number' &&
    Math.floor(responseCode / 100) === 5;
  return new MailDeliveryError(message, permanent);
}

export interface OutboxLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/**
 * Development without SMTP_URL: each message is "delivered" as one log line, with its text (and
 * so its link) so a developer can follow it; its bodies stay in the outbox for `pnpm mail:outbox`
 * and /dev/mail. Never used in production, where mail without SMTP_URL waits in the outbox.
 */
export function devOutboxTransport(log: OutboxLog): MailTransport {
  return {
    name: 'dev-outbox',
    keepsBodies: true,
    async send(mail) {
      log.info(
        {
          mailId: mail.id,
          to: mail.to,
          subject: mail.subject,
          template: mail.template,
          text: mail.text,
        },
        'mail kept in the development outbox (no SMTP_URL): pnpm mail:outbox or /dev/mail lists it',
      );
    },
    close: () => {},
  };
}
