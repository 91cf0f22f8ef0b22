// liveList on a real QueryClient: a list of comment ids read by a query function the test
// answers when it likes, so an event can come while a read is on its way.
import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveList } from './live-list';

type Event = { kind: 'created'; id: number } | { kind: 'deleted'; id: number };

const key = ['comments', 'an-article'];
let client: QueryClient;
let list: ReturnType<typeof liveList<Event>>;

beforeEach(() => {
  client = new QueryClient();
  client.setQueryData<number[]>(key, [1]);
  list = liveList<Event>(client, key, (event) =>
    client.setQueryData<number[]>(key, (ids = []) =>
      event.kind === 'created'
        ? ids.includes(event.id)
          ? ids
          : [...ids, event.id]
        : ids.filter((id) => id !== event.id),
    ),
  );
});
afterEach(() => {
  list.stop();
  client.clear();
});

/** Starts a read of the list; it answers `ids` when `answer` is called. */
function read(): { answer(ids: number[]): Promise<void> } {
  let resolve: (ids: number[]) => void = () => {};
  const reading = client.fetchQuery({
    queryKey: key,
    queryFn: () => new Promise<number[]>((r) => (resolve = r)),
    staleTime: 0,
  });
  return {
    async answer(ids) {
      resolve(ids);
      await reading;
    },
  };
}

const shown = () => client.getQueryData<number[]>(key);

describe('liveList', () => {
  it('applies an event at once', () => {
    list.hear({ kind: 'created', id: 2 });
    expect(shown()).toEqual([1, 2]);
  });

  it('a comment heard while the list was read stays, though the read answers without it', async () => {
    const reading = read();
    list.hear({ kind: 'created', id: 2 });
    await reading.answer([1]);
    expect(shown()).toEqual([1, 2]);
  });

  it('a deletion heard while the list was read holds, though the read answers with the comment', async () => {
    const reading = read();
    list.hear({ kind: 'deleted', id: 1 });
    await reading.answer([1]);
    expect(shown()).toEqual([]);
  });

  it('events heard while the list was read come back in the order heard', async () => {
    const reading = read();
    list.hear({ kind: 'created', id: 2 });
    list.hear({ kind: 'deleted', id: 2 });
    list.hear({ kind: 'created', id: 3 });
    await reading.answer([1, 2]);
    expect(shown()).toEqual([1, 3]);
  });

  it('an event heard before a read began is left to that read', async () => {
    // Comment 2 came and was deleted while nothing was read (the deletion went unheard, as when
    // the stream was away): a read that began after answers without it, and it stays gone.
    list.hear({ kind: 'created', id: 2 });
    await read().answer([1]);
    expect(shown()).toEqual([1]);
  });
});
