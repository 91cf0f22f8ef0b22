// The leading tab's stream (decision 032): one `comment.live` subscription for the union of the
// articles the tabs show, replaced when that set changes. lib/live.ts elects the leader and relays
// what it hears to the other tabs.
import type { AppRouter, RouterOutputs } from '@conduit/client';
import type { TRPCClient } from '@trpc/client';

type Comment = RouterOutputs['comment']['list']['comments'][number];

/** What a page hears about the comments of its article. */
export type LiveEvent =
  | { kind: 'created'; slug: string; comment: Comment }
  | { kind: 'deleted'; slug: string; id: number };

/** How the stream is doing, as a page says it: live, (re)connecting, or given up. */
export type LiveStatus = 'live' | 'connecting' | 'error';

export type Client = TRPCClient<AppRouter>;
type Unsubscribable = { unsubscribe(): void };
/** A subscription, the articles it follows (sorted, one per line), and whether it has said 'ready'. */
type Stream = { key: string; subscription: Unsubscribable; listening: boolean };

/** Tabs opening together (a restored session) change the set once, not once each. */
export const SETTLE_MS = 50;

/** The later of two event ids (comment ids, as strings). */
export const later = (a: string | undefined, b: string) =>
  a === undefined || Number(b) > Number(a) ? b : a;

/** Where the least advanced page of an article stands; null when none says. */
function earliest(wants: Want[], slug: string): number | null {
  let since: number | null = null;
  for (const want of wants) {
    if (want.slug === slug && want.since !== null)
      since = Math.min(want.since, since ?? want.since);
  }
  return since;
}

/** Where the leader hands what its stream hears: its own tab, which tells the others. */
export interface LeaderHost {
  readonly trpc: Client | undefined;
  /** An event of an article the stream follows, with the stream's position after it. */
  heard(id: string, event: LiveEvent): void;
  /** The stream's position, when it starts listening. */
  positioned(id: string): void;
  /** The stream was away and may have missed deletions: every page reads its list again. */
  resynced(): void;
  statusChanged(status: LiveStatus): void;
}

/** An article a tab shows, and where its page's list stands (see LiveWatcher.since). */
export interface Want {
  slug: string;
  since: number | null;
}

/**
 * The new stream opens before the old one closes (it takes over once the server says it is
 * listening), so the articles both follow drop no event, and pages apply each event idempotently,
 * so the overlap shows nothing twice.
 *
 * A stream resumes after the newest event the leader heard, which covers the articles the old
 * stream followed and no others: a comment on an added article, written after its page read the
 * list and before that event, was never heard. So each page says where its list stands (the
 * newest comment it holds), and the stream starts each added article from there (`since`).
 */
export class Leader {
  private readonly wants = new Map<string, Want[]>();
  private current: Stream | undefined;
  private replacing: Stream | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly host: LeaderHost,
    private lastEventId: string | undefined,
  ) {}

  want(tab: string, wants: Want[]): void {
    if (wants.length === 0) this.wants.delete(tab);
    else this.wants.set(tab, wants);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.follow(), SETTLE_MS);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.replacing?.subscription.unsubscribe();
    this.current?.subscription.unsubscribe();
    this.current = undefined;
  }

  private follow(): void {
    if (this.stopped) return;
    const wants = [...this.wants.values()].flat();
    const slugs = [...new Set(wants.map((want) => want.slug))].sort();
    const key = slugs.join('\n');
    if (key === this.replacing?.key) return; // on its way
    this.replacing?.subscription.unsubscribe();
    this.replacing = undefined;
    if (key === this.current?.key) return;
    if (slugs.length === 0) {
      // No visible article page in any tab: the connection goes back to the browser.
      this.current?.subscription.unsubscribe();
      this.current = undefined;
      return;
    }
    const client = this.host.trpc;
    if (!client) return;
    // A stream that resumes (a new leader, or the set reopened) may have missed deletions.
    const resuming = this.lastEventId !== undefined && this.current === undefined;
    // The articles a listening stream follows are covered up to its position; the others from
    // where their pages stand.
    const followed = new Set(this.current?.listening ? this.current.key.split('\n') : []);
    const since = slugs.map((slug) => (followed.has(slug) ? null : earliest(wants, slug)));
    let starts = 0;
    const subscription = client.comment.live.subscribe(
      {
        slugs,
        lastEventId: this.lastEventId,
        since: since.some((n) => n !== null) ? since : undefined,
      },
      {
        onData: ({ id, data }) => {
          this.lastEventId = later(this.lastEventId, id);
          if (data.kind === 'ready') {
            starts += 1;
            this.host.positioned(id);
            if (this.replacing?.subscription === subscription) this.takeOver(key, subscription);
            else if (this.current?.subscription === subscription) this.current.listening = true;
            if (starts > 1 || resuming) this.host.resynced();
            this.host.statusChanged('live');
            return;
          }
          this.host.heard(id, data);
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'connecting' && state.error) this.host.statusChanged('connecting');
        },
        onError: () => this.host.statusChanged('error'),
      },
    );
    if (this.current) this.replacing = { key, subscription, listening: false };
    else this.current = { key, subscription, listening: false };
  }

  private takeOver(key: string, subscription: Unsubscribable): void {
    this.current?.subscription.unsubscribe();
    this.current = { key, subscription, listening: true };
    this.replacing = undefined;
  }
}
