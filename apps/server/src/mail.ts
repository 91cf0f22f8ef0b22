// Mail delivery in the server: a sender per process (several are safe: each message is leased to
// one), started once the app is ready and stopped before the database closes.

import type { DbConnection } from '@conduit/db';
import {
  createMailSender,
  devOutboxTransport,
  type MailSender,
  type MailTransport,
  smtpTransport,
} from '@conduit/mail';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config';

/**
 * SMTP_URL set: mail goes there, in any environment. Unset in development: the development outbox
 * (each message logged, with its link, and listed at /dev/mail). Unset in production: nothing is
 * sent; mail waits in the outbox (and goes out once SMTP_URL is set), and the start says so. Unset
 * under test: no sender, so tests see mail exactly as it was queued.
 */
export function startMailDelivery(
  app: FastifyInstance,
  config: Config,
  database: DbConnection,
): MailSender | undefined {
  const log = app.log.child({ component: 'mail' });
  let transport: MailTransport | undefined;
  if (config.mail.smtpUrl) {
    transport = smtpTransport(config.mail.smtpUrl, config.mail.from);
  } else if (config.env === 'development') {
    transport = devOutboxTransport(log);
  } else if (config.env === 'production') {
    app.addHook('onReady', async () => {
      log.warn('SMTP_URL is not set: no mail is sent; it waits in the outbox until it is');
    });
  }
  if (!transport) return undefined;

  const sender = createMailSender({ db: database.db, transport, pubsub: database, log });
  app.addHook('onReady', () => sender.start());
  // Before the database closes (onClose): sends under way record how they went.
  app.addHook('preClose', () => sender.stop());
  return sender;
}
