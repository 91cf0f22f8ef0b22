// One subscriber of the comment event bus (comment-events.ts): what was announced for its
// articles and not read yet, handed over in batches.
import { TRPCError } from '@trpc/server';
import type { CommentEvent, CommentSubscription } from './comment-events';

export const shuttingDown = () =>
  new TRPCError({
    code: 'SERVICE_UNAVAILABLE',
    message: 'The server is shutting down; reconnect to continue',
  });

type Ending = 'closed' | 'shutdown' | 'overflow';

export class Reader implements CommentSubscription {
  /** Keyed by kind and id: a comment announced twice before it is read is handed over once. */
  private pending = new Map<string, CommentEvent>();
  private wake: (() => void) | undefined;
  ending: Ending | undefined;

  constructor(
    readonly articleIds: readonly number[],
    private readonly maxPending: number,
    private readonly onClose: (reader: Reader) => void,
  ) {}

  push(event: CommentEvent): void {
    if (this.ending) return;
    this.pending.set(`${event.kind}:${event.commentId}`, event);
    if (this.maxPending > 0 && this.pending.size > this.maxPending) this.end('overflow');
    this.wake?.();
  }

  end(ending: Ending): void {
    this.ending ??= ending;
    this.wake?.();
  }

  close(): void {
    this.end('closed');
    this.onClose(this);
  }

  async *batches(signal?: AbortSignal): AsyncGenerator<number[], void, undefined> {
    for await (const events of this.events(signal)) {
      const created = events.filter((e) => e.kind === 'created').map((e) => e.commentId);
      if (created.length > 0) yield created;
    }
  }

  async *events(signal?: AbortSignal): AsyncGenerator<CommentEvent[], void, undefined> {
    while (true) {
      if (this.ending === 'shutdown') throw shuttingDown();
      if (this.ending === 'overflow') {
        throw new TRPCError({
          code: 'SERVICE_UNAVAILABLE',
          message: 'Too many new comments waiting; reconnect to catch up',
        });
      }
      if (this.ending === 'closed' || signal?.aborted) return;
      if (this.pending.size > 0) {
        const events = [...this.pending.values()];
        this.pending.clear();
        yield events;
        continue;
      }
      await this.sleep(signal);
    }
  }

  /** Until something is announced, the subscription ends, or `signal` aborts. */
  private sleep(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wake = undefined;
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.wake = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
