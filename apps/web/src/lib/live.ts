// One live-comment stream per browser, not per tab (decision 032). Over HTTP/1.1 a browser opens
// at most six connections to a host, and every open server-sent-events stream holds one: a stream
// per article tab starved the seventh tab. So the tabs of a browser elect one leader with a Web
// Lock; the leader alone subscribes to `comment.live`, for the articles every visible tab shows,
// and relays what arrives over a BroadcastChannel. When the leader tab closes, its lock passes to
// another waiting tab, which asks every tab what it shows and resumes from the last event id all
// of them heard (or earlier, where a page's list needs it: lib/live-leader.ts). Hidden tabs ask for nothing; with no visible tab anywhere the stream closes.
import {
  type Client,
  Leader,
  type LeaderHost,
  type LiveEvent,
  type LiveStatus,
  later,
  type Want,
} from './live-leader';

export type { LiveEvent, LiveStatus };

export interface LiveWatcher {
  slug: string;
  onEvent(event: LiveEvent): void;
  /** The stream was away and may have missed deletions: read the list again. */
  onResync(): void;
  /**
   * The newest comment id the page's list holds (0 for none), from which a stream that starts to
   * follow this article must resume to miss nothing; null when the page holds only the oldest
   * pages, since newer comments then come with the next page, not the stream.
   */
  since(): number | null;
  onStatus(status: LiveStatus, leader: boolean): void;
}

type Message =
  | { type: 'want'; tab: string; wants: Want[] }
  | { type: 'ask' }
  | { type: 'event'; id: string; event: LiveEvent }
  | { type: 'position'; id: string }
  | { type: 'resync' }
  | { type: 'status'; status: LiveStatus };

// Versioned: tabs of a build from before a change of the messages (here: `want` carrying where
// each page stands) must neither read the new ones nor hold the lock the new tabs wait for. Until
// they reload, each build's tabs elect their own leader and keep a stream of their own.
const LOCK = 'conduit-live-comments/2';
const CHANNEL = 'conduit-live-comments/2';
/**
 * A tab hidden this long stops asking for its article. Not at once: flicking between two article
 * tabs should not replace the stream each time.
 */
const HIDDEN_GRACE_MS = 10_000;
/** Going from one article to the next in a tab keeps its leadership (and the stream) meanwhile. */
const RESIGN_AFTER_MS = 2_000;

/** The tab's side: what it watches, and (while it leads) the stream for every tab. */
class LiveComments implements LeaderHost {
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
      this.post({ type: 'want', tab: this.tab, wants: [] }),
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

  /** The articles this tab shows, and where their lists stand: none once hidden for a while. */
  private wants(): Want[] {
    if (this.released) return [];
    return [...this.watchers].map((watcher) => ({ slug: watcher.slug, since: watcher.since() }));
  }

  private announceWants(): void {
    const wants = this.wants();
    this.leader?.want(this.tab, wants);
    this.post({ type: 'want', tab: this.tab, wants });
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
        this.leader.want(message.tab, message.wants);
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

let shared: LiveComments | undefined;

/** Hears the live comments of `watcher.slug` while mounted; returns the function that stops. */
export function watchLiveComments(client: Client, watcher: LiveWatcher): () => void {
  shared ??= new LiveComments();
  return shared.watch(client, watcher);
}
