// Invalidation messages between instances over Redis pub/sub (decision 038): every instance's
// in-process tier drops its copies of what another instance's write changed.
//
// The writer waits for every instance to say it has dropped them before its write is answered:
// PUBLISH tells it how many subscribers received the message, and each answers on the writer's
// own channel once done. So a read started after the answer finds no old copy on any instance
// that is listening. One that does not answer within ACK_TIMEOUT_MS is not waited for further
// (it may be stopping, or its connection half-open): its copies last at most the local time to
// live. An instance whose subscriber connection is down or reconnecting is deaf: it drops its
// whole in-process tier and bypasses it (straight to Redis) until it listens again, since it may
// have missed messages meanwhile.
import { randomUUID } from 'node:crypto';
import type { InvalidationBus } from '@conduit/api';
import type { Redis } from 'ioredis';

/** How long a write waits for the other instances to drop their copies. */
export const ACK_TIMEOUT_MS = 500;
/** How often the subscriber connection is probed: a connection that stopped answering is deaf. */
const PROBE_EVERY_MS = 1000;

export interface RedisBus extends InvalidationBus {
  close(): Promise<void>;
}

interface Message {
  from: string;
  id: number;
  tags: string[];
}

/**
 * Subscribes on a connection of its own (a subscribed connection serves nothing else); publishes
 * and answers on `redis`. Resolves once listening, or rejects if Redis cannot be reached.
 */
export async function openRedisBus(
  redis: Redis,
  {
    // Channels are shared by every database of a Redis server: one per database number.
    channel = `conduit:cache:bus:${redis.options.db ?? 0}`,
    connectionName = 'conduit-cache-bus',
    ackTimeoutMs = ACK_TIMEOUT_MS,
    onUnanswered = () => {},
  }: {
    channel?: string;
    /** How the subscriber connection shows in CLIENT LIST. */
    connectionName?: string;
    ackTimeoutMs?: number;
    /** Hears how many instances did not answer a message in time (for the log). */
    onUnanswered?: (missing: number) => void;
  } = {},
): Promise<RedisBus> {
  const me = randomUUID();
  const answers = `${channel}:ack:${me}`;
  const subscriber = redis.duplicate({ lazyConnect: true, connectionName });
  let listening = false;
  let handlers: Parameters<InvalidationBus['subscribe']>[0] | undefined;
  let lastId = 0;
  const waiting = new Map<number, { answered: number; expected: number; done: () => void }>();

  const deafen = () => {
    listening = false;
    handlers?.deaf();
  };
  const listen = () =>
    subscriber.subscribe(channel, answers).then(
      () => {
        listening = subscriber.status === 'ready';
      },
      () => {},
    );
  // On every (re)connection: subscribing again after ioredis's own resubscription, so `listening`
  // is set only once the subscription is confirmed, and no message sent before it is expected.
  subscriber.on('ready', listen);
  subscriber.on('close', deafen);
  subscriber.on('reconnecting', deafen);
  subscriber.on('end', deafen);
  subscriber.on('error', () => {}); // the command connection logs Redis errors
  const countAnswer = (id: number) => {
    const wait = waiting.get(id);
    if (!wait) return;
    wait.answered += 1;
    if (wait.answered >= wait.expected) wait.done();
  };
  subscriber.on('message', (from: string, text: string) => {
    if (from === answers) {
      countAnswer(Number(text));
      return;
    }
    if (from !== channel) return;
    const message = parseMessage(text);
    // Not one of ours (something else published on the channel): whatever it meant, the copies
    // this instance keeps are dropped, as when messages may have been missed.
    if (!message) {
      handlers?.deaf();
      return;
    }
    // Our own message has come back: we are one of the subscribers PUBLISH counted, and our copies
    // went before we published. Answering ourselves through Redis cost every write a PUBLISH and
    // a message more, the whole cost of the bus on a lone instance. Nor are they dropped again:
    // what readers loaded since (after the write, so fresh) would go too, and a refill begun in
    // between would not be kept, each invalidation costing this instance's readers two refills.
    if (message.from === me) {
      countAnswer(message.id);
      return;
    }
    handlers?.heard(message.tags);
    void redis.publish(`${channel}:ack:${message.from}`, String(message.id)).catch(() => {});
  });
  const probe = setInterval(() => {
    if (subscriber.status !== 'ready') return;
    subscriber.ping().catch(() => {
      // Not answering: deaf until a fresh connection listens again.
      deafen();
      subscriber.disconnect(true);
    });
  }, PROBE_EVERY_MS);
  probe.unref();

  await subscriber.connect();
  await listen();

  return {
    get listening() {
      return listening;
    },
    subscribe(given) {
      handlers = given;
    },
    async publish(tags) {
      lastId += 1;
      const id = lastId;
      let done = () => {};
      const allAnswered = new Promise<void>((resolve) => {
        done = resolve;
      });
      // Registered before publishing: an answer may arrive before PUBLISH's own reply.
      const wait = { answered: 0, expected: Number.POSITIVE_INFINITY, done };
      waiting.set(id, wait);
      let timer: NodeJS.Timeout | undefined;
      try {
        const message: Message = { from: me, id, tags: [...tags] };
        wait.expected = await redis.publish(channel, JSON.stringify(message));
        if (wait.answered >= wait.expected) return;
        const late = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), ackTimeoutMs);
        });
        if (await Promise.race([allAnswered.then(() => false), late])) {
          onUnanswered(wait.expected - wait.answered);
        }
      } finally {
        clearTimeout(timer);
        waiting.delete(id);
      }
    },
    async close() {
      clearInterval(probe);
      subscriber.off('end', deafen);
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}

/** A message as `publish` sends it, or undefined for anything else. */
function parseMessage(text: string): Message | undefined {
  try {
    const message = JSON.parse(text) as Partial<Message> | null;
    const { from, id, tags } = message ?? {};
    if (typeof from !== 'string' || typeof id !== 'number' || !Array.isArray(tags))
      return undefined;
    if (!tags.every((tag) => typeof tag === 'string')) return undefined;
    return { from, id, tags };
  } catch {
    return undefined;
  }
}
