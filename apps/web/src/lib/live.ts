// One live-comment stream per browser, not per tab (decision 032). Over HTTP/1.1 a browser opens
// at most six connections to a host, and every open server-sent-events stream holds one: a stream
// per article tab starved the seventh tab. So the tabs of a browser elect one leader with a Web
// Lock; the leader alone subscribes to `comment.live`, for the articles every visible tab shows,
// and relays what arrives over a BroadcastChannel. When the leader tab closes, its lock passes to
// another waiting tab, which asks every tab what it shows and resumes from the last event id all
// of them heard. Hidden tabs ask for nothing; with no visible tab anywhere the stream closes.
import type { AppRouter, RouterOutputs } from '@conduit/client';
import type { TRPCClient } from '@trpc/client';

type Comment = RouterOutputs['comment']['list']['comments'][number];

/** What a page hears about the comments of its article. */
export type LiveEvent =
  | { kind: 'created'; slug: string; comment: Comment }
  | { kind: 'deleted'; slug: string; id: number };

/** How the stream is doing, as a page says it: live, (re)connecting, or given up. */
export type LiveStatus = 'live' | 'connecting' | 'error';

export interface LiveWatcher {
  slug: string;
  onEvent(event: LiveEvent): void;
  /** The stream was away and may have missed deletions: read the list again. */
  onResync(): void;
  onStatus(status: LiveStatus, leader: boolean): void;
}

type Message =
  | { type: 'want'; tab: string; slugs: string[] }
  | { type: 'ask' }
  | { type: 'event'; id: string; event: LiveEvent }
  | { type: 'position'; id: string }
  | { type: 'resync' }
  | { type: 'status'; status: LiveStatus };

const LOCK = 'conduit-live-comments';
const CHANNEL = 'conduit-live-comments';
/** Tabs opening together (a restored session) change the set once, not once each. */
const SETTLE_MS = 50;
/**
 * A tab hidden this long stops asking for its article. Not at once: flicking between two article
 * tabs should not replace the stream each time.
 */
const HIDDEN_GRACE_MS = 10_000;
/** Going from one article to the next in a tab keeps its leadership (and the stream) meanwhile. */
const RESIGN_AFTER_MS = 2_000;

type Client = TRPCClient<AppRouter>;
type Unsubscribable = { unsubscribe(): void };

const later = (a: string | undefined, b: string) =>
  a === undefined || Number(b) > Number(a) ? b : a;

/** The tab's side: what it watches, and (while it leads) the stream for every tab. */
class LiveComments {
  private readonly tab = crypto.randomUUID();
  private readonly watchers = new Set<LiveWatcher>();
  private readonly channel: BroadcastChannel | undefined =
    typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : undefined;
  private client: Client | undefined;
  /** The newest event id this tab has heard, from its own stream or the leader's. */
  private lastEventId: string | undefined;
  private status: LiveStatus = 'connecting';
  private leader: Leader | undefined;
  /** Gives the lock back (while leading), or stops waiting for it. */
  private resign: (() => void) | undefined;
  /** Whether this tab has stopped asking for its articles while hidden. */
  private released = false;
  private hiding: ReturnType<typeof setTimeout> | undefined;
  private resigning: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.channel?.addEventListener('message', (message: MessageEvent<Message>) =>
      this.receive(message.data),
    );
    document.addEventListener('visibilitychange', () => {
      clearTimeout(this.hiding);
      if (document.visibilityState === 'hidden') {
        this.hiding = setTimeout(() => {
          this.released = true;
          this.announceWants();
        }, HIDDEN_GRACE_MS);
        return;
      }
      if (!this.released) return;
      // Back in view after letting go: read again what was missed, and ask for the article.
      this.released = false;
      for (const watcher of this.watchers) watcher.onResync();
      this.announceWants();
    });
    // A closing tab stops asking at once, rather than leaving its articles in the leader's set.
    window.addEventListener('pagehide', () =>
      this.post({ type: 'want', tab: this.tab, slugs: [] }),
    );
    // Back from the back-forward cache: ask again, and read again what went by meanwhile.
    window.addEventListener('pageshow', (event) => {
      if (!event.persisted) return;
      for (const watcher of this.watchers) watcher.onResync();
      this.announceWants();
    });
  }

  watch(client: Client, watcher: LiveWatcher): () => void {
    this.client = client;
    this.watchers.add(watcher);
    watcher.onStatus(this.status, this.leader !== undefined);
    this.announceWants();
    clearTimeout(this.resigning);
    if (!this.resign) this.campaign();
    return () => {
      this.watchers.delete(watcher);
      this.announceWants();
      if (this.watchers.size > 0) return;
      clearTimeout(this.resigning);
      this.resigning = setTimeout(() => this.resign?.(), RESIGN_AFTER_MS);
    };
  }

  /** The articles this tab shows: none once hidden for a while. */
  private wants(): string[] {
    if (this.released) return [];
    return [...new Set([...this.watchers].map((w) => w.slug))];
  }

  private announceWants(): void {
    const slugs = this.wants();
    this.leader?.want(this.tab, slugs);
    this.post({ type: 'want', tab: this.tab, slugs });
  }

  /** Waits for the lock (at once when no tab leads), leads while holding it, until resigning. */
  private campaign(): void {
    const locks = typeof navigator.locks?.request === 'function' ? navigator.locks : undefined;
    if (!locks || !this.channel) {
      // No way to share: this tab keeps a stream of its own, as every tab used to.
      const leader = this.lead();
      this.resign = () => {
        this.resign = undefined;
        this.abdicate(leader);
      };
      return;
    }
    const waiting = new AbortController();
    let release: (() => void) | undefined;
    this.resign = () => {
      this.resign = undefined;
      waiting.abort();
      release?.();
    };
    locks
      .request(LOCK, { signal: waiting.signal }, async () => {
        const leader = this.lead();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        this.abdicate(leader);
      })
      .catch((error: unknown) => {
        if (!(error instanceof DOMException && error.name === 'AbortError')) throw error;
      });
  }

  private lead(): Leader {
    const leader = new Leader(this, this.lastEventId);
    this.leader = leader;
    this.setStatus('connecting');
    leader.want(this.tab, this.wants());
    this.post({ type: 'ask' });
    return leader;
  }

  private abdicate(leader: Leader): void {
    leader.stop();
    if (this.leader === leader) this.leader = undefined;
  }

  get trpc(): Client | undefined {
    return this.client;
  }

  // What the leader hears, it hands to this tab's pages and to the other tabs.

  heard(id: string, event: LiveEvent): void {
    this.lastEventId = later(this.lastEventId, id);
    this.post({ type: 'event', id, event });
    this.deliver(event);
  }

  positioned(id: string): void {
    this.lastEventId = later(this.lastEventId, id);
    this.post({ type: 'position', id });
  }

  resynced(): void {
    this.post({ type: 'resync' });
    for (const watcher of this.watchers) watcher.onResync();
  }

  statusChanged(status: LiveStatus): void {
    this.post({ type: 'status', status });
    this.setStatus(status);
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    for (const watcher of this.watchers) watcher.onStatus(status, this.leader !== undefined);
  }

  private deliver(event: LiveEvent): void {
    for (const watcher of this.watchers) if (watcher.slug === event.slug) watcher.onEvent(event);
  }

  private receive(message: Message): void {
    switch (message.type) {
      case 'want':
        if (!this.leader) break;
        this.leader.want(message.tab, message.slugs);
        this.post({ type: 'status', status: this.status }); // for a tab that just opened
        break;
      case 'ask':
        this.announceWants();
        break;
      case 'event':
        this.lastEventId = later(this.lastEventId, message.id);
        this.deliver(message.event);
        break;
      case 'position':
        this.lastEventId = later(this.lastEventId, message.id);
        break;
      case 'resync':
        for (const watcher of this.watchers) watcher.onResync();
        break;
      case 'status':
        this.setStatus(message.status);
        break;
    }
  }

  private post(message: Message): void {
    this.channel?.postMessage(message);
  }
}

/**
 * The leading tab's stream: one `comment.live` subscription for the union of what the tabs ask
 * for, replaced when that changes. The new one opens before the old one closes (it takes over
 * once the server says it is listening), so a change of set drops no event; pages apply each
 * event idempotently, so the overlap shows nothing twice.
 */
class Leader {
  private readonly wants = new Map<string, string[]>();
  private current: { key: string; subscription: Unsubscribable } | undefined;
  private replacing: { key: string; subscription: Unsubscribable } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly tab: LiveComments,
    private lastEventId: string | undefined,
  ) {}

  want(tab: string, slugs: string[]): void {
    if (slugs.length === 0) this.wants.delete(tab);
    else this.wants.set(tab, slugs);
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
    const slugs = [...new Set([...this.wants.values()].flat())].sort();
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
    const client = this.tab.trpc;
    if (!client) return;
    // A stream that resumes (a new leader, or the set reopened) may have missed deletions.
    const resuming = this.lastEventId !== undefined && this.current === undefined;
    let starts = 0;
    const subscription = client.comment.live.subscribe(
      { slugs, lastEventId: this.lastEventId },
      {
        onData: ({ id, data }) => {
          this.lastEventId = later(this.lastEventId, id);
          if (data.kind === 'ready') {
            starts += 1;
            this.tab.positioned(id);
            if (this.replacing?.subscription === subscription) this.takeOver(key, subscription);
            if (starts > 1 || resuming) this.tab.resynced();
            this.tab.statusChanged('live');
            return;
          }
          this.tab.heard(id, data);
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'connecting' && state.error) this.tab.statusChanged('connecting');
        },
        onError: () => this.tab.statusChanged('error'),
      },
    );
    if (this.current) this.replacing = { key, subscription };
    else this.current = { key, subscription };
  }

  private takeOver(key: string, subscription: Unsubscribable): void {
    this.current?.subscription.unsubscribe();
    this.current = { key, subscription };
    this.replacing = undefined;
  }
}

let shared: LiveComments | undefined;

/** Hears the live comments of `watcher.slug` while mounted; returns the function that stops. */
export function watchLiveComments(client: Client, watcher: LiveWatcher): () => void {
  shared ??= new LiveComments();
  return shared.watch(client, watcher);
}
