// The leader's stream against a small model of the server's `comment.live`: comment ids are the
// stream's positions, a stream resumes after `lastEventId` with the comments of its articles
// written since, and says 'ready' at its position once it listens. The pages are modelled too:
// each holds the ids it shows, read from the server when it opens or resyncs, added to as the
// leader hears. Whatever order things happen in, every page ends up showing every comment of its
// article.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Client,
  Leader,
  type LeaderHost,
  type LiveEvent,
  SETTLE_MS,
  type Want,
} from './live-leader';

interface Stream {
  slugs: string[];
  lastEventId: string | undefined;
  since: (number | null)[] | undefined;
  listening: boolean;
  closed: boolean;
  send(id: number, data: { kind: 'ready' } | LiveEvent): void;
}

class Server {
  readonly comments: { id: number; slug: string }[] = [];
  readonly streams: Stream[] = [];
  private next = 1;

  write(slug: string): number {
    const id = this.next++;
    this.comments.push({ id, slug });
    for (const stream of this.streams) {
      if (stream.listening && stream.slugs.includes(slug)) stream.send(id, created(slug, id));
    }
    return id;
  }

  newest(): number {
    return this.comments.at(-1)?.id ?? 0;
  }

  /** What the list of one article reads. */
  list(slug: string): number[] {
    return this.comments.filter((c) => c.slug === slug).map((c) => c.id);
  }

  /**
   * Starts listening (as the server does before it answers 'ready'), then catches up: each
   * article after the stream's position or after where its page stands, whichever is earlier.
   */
  listen(stream: Stream): void {
    stream.listening = true;
    const position = stream.lastEventId === undefined ? undefined : Number(stream.lastEventId);
    stream.send(position ?? this.newest(), { kind: 'ready' });
    const after = new Map<string, number>();
    stream.slugs.forEach((slug, index) => {
      const starts = [position, stream.since?.[index] ?? undefined].filter((n) => n !== undefined);
      if (starts.length > 0) after.set(slug, Math.min(...starts));
    });
    for (const c of this.comments) {
      const from = after.get(c.slug);
      if (from !== undefined && c.id > from) stream.send(c.id, created(c.slug, c.id));
    }
  }

  client(): Client {
    const subscribe = (
      input: { slugs: string[]; lastEventId?: string; since?: (number | null)[] },
      handlers: { onData(value: { id: string; data: { kind: 'ready' } | LiveEvent }): void },
    ) => {
      const stream: Stream = {
        slugs: input.slugs,
        lastEventId: input.lastEventId,
        since: input.since,
        listening: false,
        closed: false,
        send: (id, data) => {
          if (!stream.closed) handlers.onData({ id: String(id), data });
        },
      };
      this.streams.push(stream);
      return {
        unsubscribe: () => {
          stream.closed = true;
        },
      };
    };
    return { comment: { live: { subscribe } } } as unknown as Client;
  }
}

const created = (slug: string, id: number): LiveEvent =>
  ({ kind: 'created', slug, comment: { id } }) as unknown as LiveEvent;

/** The pages of one browser, as the leader's tab relays to them. */
class Pages implements LeaderHost {
  readonly shown = new Map<string, Set<number>>();
  resyncs = 0;
  constructor(
    private readonly server: Server,
    readonly trpc: Client,
  ) {}

  open(slug: string): void {
    this.shown.set(slug, new Set(this.server.list(slug)));
  }
  /** What the tab of a page asks for: its article, and the newest comment its list holds. */
  want(slug: string): Want {
    return { slug, since: Math.max(0, ...(this.shown.get(slug) ?? [])) };
  }
  heard(_id: string, event: LiveEvent): void {
    if (event.kind === 'created') this.shown.get(event.slug)?.add(event.comment.id);
  }
  positioned(): void {}
  /** Counted, not acted on: a page reading its list again would hide what the stream missed. */
  resynced(): void {
    this.resyncs += 1;
  }
  statusChanged(): void {}

  missing(): Record<string, number[]> {
    const missing: Record<string, number[]> = {};
    for (const [slug, ids] of this.shown) {
      const lacking = this.server.list(slug).filter((id) => !ids.has(id));
      if (lacking.length > 0) missing[slug] = lacking;
    }
    return missing;
  }
}

let server: Server;
let pages: Pages;
beforeEach(() => {
  vi.useFakeTimers();
  server = new Server();
  pages = new Pages(server, server.client());
});
afterEach(() => {
  vi.useRealTimers();
});

/** The set settles, and the leader opens the stream for it. */
const settle = () => vi.advanceTimersByTime(SETTLE_MS);
const latest = () => {
  const stream = server.streams.at(-1);
  if (!stream) throw new Error('no stream opened');
  return stream;
};

/** A leader whose stream follows the page of article a, and listens. */
function followingA() {
  const leader = new Leader(pages, undefined);
  pages.open('a');
  leader.want('tab 1', [pages.want('a')]);
  settle();
  const first = latest();
  server.listen(first);
  return { leader, first };
}

describe('Leader', () => {
  it('opens one stream for what the tabs show, once their wants settle', () => {
    const leader = new Leader(pages, undefined);
    leader.want('tab 1', [pages.want('b')]);
    leader.want('tab 2', [pages.want('a'), pages.want('b')]);
    expect(server.streams).toHaveLength(0);
    settle();
    expect(server.streams.map((s) => s.slugs)).toEqual([['a', 'b']]);
    leader.stop();
  });

  it('replaces the stream when an article is added, and closes the old one only once the new one listens', () => {
    const { leader, first } = followingA();
    pages.open('b');
    leader.want('tab 2', [pages.want('b')]);
    settle();
    const second = latest();
    expect(second.slugs).toEqual(['a', 'b']);
    expect(first.closed).toBe(false);
    server.listen(second);
    expect(first.closed).toBe(true);
    leader.stop();
    expect(second.closed).toBe(true);
  });

  it('a page added to the stream gets the comment written on its article before the newest event the old stream heard', () => {
    // The page of article b reads its list, then a comment is written on b (which no stream
    // follows yet) and one on a (which the stream hears). The stream that adds b resumes after
    // the comment on a, and starts b from where b's page stands.
    const { leader } = followingA();
    pages.open('b');
    leader.want('tab 2', [pages.want('b')]);
    const onB = server.write('b');
    server.write('a');
    settle();
    expect(latest()).toMatchObject({ lastEventId: String(onB + 1), since: [null, 0] });
    server.listen(latest());
    expect(pages.resyncs).toBe(0);
    expect(pages.missing()).toEqual({});
    leader.stop();
  });

  it('a new leader resumes where the tabs were, and every page reads its list again', () => {
    // The last leader's stream heard up to comment 2; comments written meanwhile come in the
    // catch-up, and deletions (not replayed) through the pages' lists.
    pages.open('a');
    pages.open('b');
    for (const slug of ['a', 'b']) {
      const id = server.write(slug);
      pages.heard(String(id), created(slug, id));
    }
    server.write('a');
    const leader = new Leader(pages, '2');
    leader.want('tab 1', [pages.want('a'), pages.want('b')]);
    settle();
    expect(latest().lastEventId).toBe('2');
    server.listen(latest());
    expect(pages.resyncs).toBe(1);
    expect(pages.missing()).toEqual({});
    leader.stop();
  });

  it('with no article shown anywhere the stream closes, and reopening it resumes and resyncs', () => {
    const { leader, first } = followingA();
    leader.want('tab 1', []);
    settle();
    expect(first.closed).toBe(true);
    server.write('a');
    leader.want('tab 1', [pages.want('a')]);
    settle();
    server.listen(latest());
    expect(latest().lastEventId).toBe('0');
    expect(pages.resyncs).toBe(1);
    expect(pages.missing()).toEqual({});
    leader.stop();
  });

  it('keeps every page whole whatever order opening, writing and listening come in', () => {
    // Generated orders: a few tabs open article pages at random moments while comments are
    // written on random articles; streams start listening after random delays.
    for (let run = 0; run < 200; run++) {
      server = new Server();
      pages = new Pages(server, server.client());
      const leader = new Leader(pages, undefined);
      const articles = ['a', 'b', 'c', 'd'];
      const random = mulberry32(run);
      const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T;
      for (let step = 0; step < 40; step++) {
        const roll = random();
        if (roll < 0.2) {
          const slug = pick(articles);
          pages.open(slug);
          leader.want(`tab ${slug}`, [pages.want(slug)]);
        } else if (roll < 0.6) {
          server.write(pick(articles));
        } else if (roll < 0.8) {
          settle();
        } else {
          const waiting = server.streams.filter((s) => !s.listening && !s.closed);
          if (waiting.length > 0) server.listen(pick(waiting));
        }
      }
      settle();
      for (const stream of server.streams) if (!stream.listening) server.listen(stream);
      server.write(pick(articles));
      expect({ run, missing: pages.missing() }).toEqual({ run, missing: {} });
      leader.stop();
    }
  });
});

/** A small seeded generator, so a failing order can be run again. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
