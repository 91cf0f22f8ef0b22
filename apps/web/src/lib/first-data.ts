// The first page's data, asked for before React renders: who is signed in, and on the home page the
// articles and tags it lists. They go out in one batched request while React and the router start,
// and the first render waits for them a short while, so the page appears whole instead of growing
// (and jumping) as each answer lands. What misses the wait shows in space reserved for it.
import type { AppRouter } from '@conduit/client';
import type { QueryClient } from '@tanstack/react-query';
import type { TRPCClient } from '@trpc/client';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { pageInput, pageOf } from '../components/ArticleList';
import { POPULAR_TAGS } from '../pages/Home';

/** Long enough for a local or nearby server; past it the page renders with its placeholders. */
const FIRST_RENDER_WAIT_MS = 600;

export function prefetchFirstPage(
  queryClient: QueryClient,
  client: TRPCClient<AppRouter>,
  location: Location,
): Promise<void> {
  const trpc = createTRPCOptionsProxy<AppRouter>({ client, queryClient });
  const wanted: Array<Promise<unknown>> = [
    queryClient.prefetchQuery({
      ...trpc.auth.viewer.queryOptions(),
      staleTime: Number.POSITIVE_INFINITY,
    }),
  ];
  const params = new URLSearchParams(location.search);
  // "Your feed" depends on the viewer: it waits for the render, as it did.
  if (location.pathname === '/' && params.get('feed') !== 'mine') {
    const tag = params.get('tag')?.trim() || null;
    const page = pageOf(params);
    wanted.push(
      queryClient.prefetchQuery(
        trpc.article.list.queryOptions({ ...pageInput(page), ...(tag ? { tag } : {}) }),
      ),
      queryClient.prefetchQuery(trpc.tag.list.queryOptions(POPULAR_TAGS)),
    );
  }
  const waited = new Promise<void>((resolve) => setTimeout(resolve, FIRST_RENDER_WAIT_MS));
  return Promise.race([Promise.all(wanted).then(() => undefined), waited]);
}
