// A list kept up to date by live events and read again now and then (a resync, a stale page
// coming back into view). A read answers with the list as it stood when the server read it, and
// its answer replaces the list: a live event heard while it was on its way may be missing from
// it, and would vanish from the page (a comment shown, then gone). So the events heard while the
// list is being read are kept, and applied again once a read lands. Applying an event is
// idempotent (adding a comment the list holds, or removing one it lacks, changes nothing), so
// applying one twice is harmless.
import { hashKey, type QueryClient, type QueryKey } from '@tanstack/react-query';

/**
 * Applies the events `hear` is given to the query `queryKey`, and again after any read of that
 * query that was on its way when they came. Returns `hear`, and the function that stops.
 */
export function liveList<Event>(
  queryClient: QueryClient,
  queryKey: QueryKey,
  apply: (event: Event) => void,
): { hear(event: Event): void; stop(): void } {
  const hash = hashKey(queryKey);
  let heardWhileReading: Event[] = [];
  const stop = queryClient.getQueryCache().subscribe((cacheEvent) => {
    if (cacheEvent.type !== 'updated' || cacheEvent.query.queryHash !== hash) return;
    const { action } = cacheEvent;
    // A read landed (not our own setQueryData, which is also a 'success').
    if (action.type === 'success' && !action.manual)
      for (const event of heardWhileReading) apply(event);
    if (cacheEvent.query.state.fetchStatus === 'idle') heardWhileReading = [];
  });
  return {
    hear(event) {
      apply(event);
      // 'paused' too: a read waiting to go (offline) may still answer from before this event.
      if ((queryClient.getQueryState(queryKey)?.fetchStatus ?? 'idle') !== 'idle') {
        heardWhileReading.push(event);
      }
    },
    stop,
  };
}
