// A real SMTP server on loopback for tests (`@conduit/mail/testing`): it accepts every message,
// parses it and keeps it, so a test can wait for a mail and read what arrived, links included.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's sender (MAIL FROM) and recipients (RCPT TO). */
  envelope: { from: string; to: string[] };
  /** The From header's name and address (`Conduit <no-reply@localhost>`: Conduit, no-reply@localhost). */
  from: { name: string; address: string };
  /** The recipients' addresses from the To header. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The MIME type of the message as a whole (multipart/alternative for text + HTML). */
  contentType: string;
  /** Every http(s) link in the text part, in order. */
  links: string[];
}

export interface TestSmtpServer {
  /** smtp://127.0.0.1:<port> (with user:pass when the server requires them): an SMTP_URL. */
  url: string;
  port: number;
  /** Every message accepted so far, in order of arrival. */
  messages: ReceivedMail[];
  /** The first message (already arrived or arriving within `timeoutMs`) that `predicate` accepts. */
  waitFor(predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** A port of its own choosing (to bring a server up where one was down); default any free one. */
  port?: number;
  /** Require these credentials (AUTH PLAIN/LOGIN, allowed without TLS on loopback). */
  auth?: { user: string; pass: string };
  /** Recipients answered `550 No such user` (a permanent refusal). */
  rejectRecipient?: (address: string) => boolean;
}

const LINK = /https?:\/\/[^\s<>"]+/g;

export async function startSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    logger: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      callback(ok ? null : new Error('Invalid username or password'), ok ? { user: 1 } : undefined);
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipient?.(address.address)) {
        callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const text = parsed.text ?? '';
          const toField = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
          messages.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            },
            from: {
              name: parsed.from?.value[0]?.name ?? '',
              address: parsed.from?.value[0]?.address ?? '',
            },
            to: toField.flatMap((list) => list.value.map((entry) => entry.address ?? '')),
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            contentType: contentTypeOf(parsed.headers.get('content-type')),
            links: text.match(LINK) ?? [],
          });
          for (const waiter of waiters) waiter();
          callback();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : '';

  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    messages,
    waitFor(predicate = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${messages.length} arrived)`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function contentTypeOf(header: unknown): string {
  if (typeof header === 'string') return header;
  const value = (header as { value?: unknown } | undefined)?.value;
  return typeof value === 'string' ? value : '';
}

/** A free loopback port with nothing listening on it (a mail server that is down). */
export async function unusedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
