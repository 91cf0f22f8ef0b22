// The sender: delivers what queueMail() left in the outbox, in the background, retrying with
// backoff. Every state is in the database, so a restart (or another process) carries on.
import { type Database, type PubSub, type SQL, sql } from '@conduit/db';
import {
  type ClaimedMail,
  claimDueMail,
  markFailed,
  markSent,
  scheduleRetry,
} from './delivery-queries';
import { MAIL_QUEUED_CHANNEL } from './outbox';
import { DEFAULT_RETRY, type RetryPolicy, retryDelayMs } from './retry';
import { MailDeliveryError, type MailTransport } from './transports';

export interface SenderLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface MailSenderOptions {
  db: Database;
  transport: MailTransport;
  /** Wakes the sender when mail is queued by any process (LISTEN); without it, the timer only. */
  pubsub?: PubSub | undefined;
  /** How often due mail is looked for besides those wake-ups (retries come due this way). */
  intervalMs?: number | undefined;
  /** Messages claimed, and sent side by side, at a time. */
  batchSize?: number | undefined;
  /** Longest one message may take to send before it counts as failed. */
  sendTimeoutMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** The clock (tests); default the database's now(), one clock for every sender. */
  now?: (() => Date) | undefined;
  /** On stop, how long sends under way may still take before they are cut off. */
  stopGraceMs?: number | undefined;
  /** For jitter (tests); default Math.random. */
  random?: (() => number) | undefined;
  log?: SenderLog | undefined;
}

export interface DeliveryStats {
  sent: number;
  retried: number;
  failed: number;
}

export interface MailSender {
  /** Listens for queued mail, sends what is due, and keeps looking every `intervalMs`. */
  start(): Promise<void>;
  /** Looks for due mail now (soon after, if a run is under way). Never throws. */
  wake(): void;
  /** Sends everything due now, batch after batch; resolves with what happened. For tests. */
  runOnce(): Promise<DeliveryStats>;
  /** Stops looking; sends under way get a moment to finish, then are cut off (and retried later). */
  stop(): Promise<void>;
  /** Totals since this sender was made (metrics). */
  readonly stats: Readonly<DeliveryStats>;
}

const MAX_ERROR_LENGTH = 500;

const noLog: SenderLog = { info() {}, warn() {}, error() {} };

export function createMailSender(options: MailSenderOptions): MailSender {
  const { db, transport, pubsub } = options;
  const intervalMs = options.intervalMs ?? 5000;
  const batchSize = options.batchSize ?? 5;
  const sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
  // A claimed message is the claimer's until then: room for the send and recording its outcome.
  const leaseMs = 2 * sendTimeoutMs;
  const stopGraceMs = options.stopGraceMs ?? 3000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const random = options.random ?? Math.random;
  const log = options.log ?? noLog;
  const clock = options.now;
  const at = (): SQL => (clock ? sql`${clock().toISOString()}::timestamptz` : sql`now()`);

  const stats: DeliveryStats = { sent: 0, retried: 0, failed: 0 };
  let stopped = false;
  // Cuts off sends still under way once a stopping sender's grace is over.
  const cutOff = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let running: Promise<DeliveryStats> | undefined;
  let again = false;
  // A database outage would otherwise log a warning at every look: the first one says it.
  let failing = false;

  async function deliver(mail: ClaimedMail, run: DeliveryStats): Promise<void> {
    const fields = { mailId: mail.id, template: mail.template, attempt: mail.attempts };
    const { signal, done } = sendSignal(cutOff.signal, sendTimeoutMs);
    try {
      await transport.send(mail, signal);
    } catch (error) {
      const reason = describe(error, signal);
      const permanent = error instanceof MailDeliveryError && error.permanent;
      if (permanent || mail.attempts >= retry.maxAttempts) {
        await markFailed(db, mail, { error: reason, keepBodies: transport.keepsBodies });
        run.failed++;
        log.error({ ...fields, error: reason }, 'mail not delivered: given up');
        return;
      }
      const delayMs = retryDelayMs(retry, mail.attempts, random);
      await scheduleRetry(db, mail, { at: at(), delayMs, error: reason });
      run.retried++;
      log.warn({ ...fields, error: reason, retryInMs: delayMs }, 'mail not delivered: will retry');
      return;
    } finally {
      done();
    }
    await markSent(db, mail, { at: at(), keepBodies: transport.keepsBodies });
    run.sent++;
    if (transport.name === 'smtp') log.info(fields, 'mail sent');
  }

  async function sendDue(): Promise<DeliveryStats> {
    const run: DeliveryStats = { sent: 0, retried: 0, failed: 0 };
    while (!stopped) {
      const claimed = await claimDueMail(db, { at: at(), limit: batchSize, leaseMs });
      // A message whose outcome could not be recorded (the database went away) keeps its lease
      // and is retried once the lease runs out.
      const outcomes = await Promise.allSettled(claimed.map((mail) => deliver(mail, run)));
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          log.warn({ err: outcome.reason }, 'mail outcome not recorded: retried after its lease');
        }
      }
      if (claimed.length < batchSize) break;
    }
    stats.sent += run.sent;
    stats.retried += run.retried;
    stats.failed += run.failed;
    return run;
  }

  function runOnce(): Promise<DeliveryStats> {
    if (running) {
      again = true;
      return running;
    }
    running = sendDue().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        wake();
      }
    });
    return running;
  }

  function wake(): void {
    if (stopped) return;
    runOnce().then(
      () => {
        if (failing) log.info({}, 'looking for mail to send works again');
        failing = false;
      },
      (error: unknown) => {
        if (!failing) {
          log.warn({ err: error }, `looking for mail to send failed; again every ${intervalMs} ms`);
        }
        failing = true;
      },
    );
  }

  return {
    stats,
    wake,
    runOnce,
    async start() {
      if (pubsub) {
        unlisten = await pubsub.listen(MAIL_QUEUED_CHANNEL, wake).catch((error: unknown) => {
          log.warn({ err: error }, `not woken by queued mail; looking every ${intervalMs} ms`);
          return undefined;
        });
      }
      timer = setInterval(wake, intervalMs).unref();
      wake();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      const current = running?.catch(() => undefined);
      if (current) {
        await within(current, stopGraceMs);
        cutOff.abort(new Error('sending cut off: the server is stopping'));
        // Recording the cut-off sends needs the database; one that does not answer (an outage)
        // must not hold the server's stop: their leases run out and another sender retries them.
        await within(current, stopGraceMs);
      }
      await unlisten?.().catch(() => undefined);
      transport.close();
    },
  };
}

/** Waits for `work`, or `ms`, whichever comes first. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * Aborted when the send takes longer than `ms`, or when `cutOff` is. Made by hand rather than with
 * AbortSignal.any([cutOff, AbortSignal.timeout(ms)]): on Node 20 that holds the timeout signal only
 * weakly, and once garbage-collected it never fires (seen: a hung send waited for nodemailer's
 * own 10 s timeout instead).
 */
function sendSignal(cutOff: AbortSignal, ms: number): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('sending timed out')), ms);
  const onCutOff = () => controller.abort(cutOff.reason);
  cutOff.addEventListener('abort', onCutOff, { once: true });
  if (cutOff.aborted) onCutOff();
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      cutOff.removeEventListener('abort', onCutOff);
    },
  };
}

/** What the outbox and the logs keep of a failure: its reason, never the message. */
function describe(error: unknown, signal: AbortSignal): string {
  const cause: unknown = signal.aborted ? signal.reason : error;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return reason.slice(0, MAX_ERROR_LENGTH);
}
