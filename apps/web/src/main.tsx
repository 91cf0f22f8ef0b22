import { type QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { prefetchFirstPage } from './lib/first-data';
import { router } from './routes';
import { createQueryClient, createTrpcClient, TRPCProvider } from './trpc';
import './styles.css';

function App({
  queryClient,
  trpcClient,
}: {
  queryClient: QueryClient;
  trpcClient: ReturnType<typeof createTrpcClient>;
}) {
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <RouterProvider router={router} />
      </TRPCProvider>
    </QueryClientProvider>
  );
}

// A page's code that is no longer on the server (the site was updated since this tab loaded the
// app): go to the page asked for with a full load, which brings the new version. Once per address,
// so a file that is really missing shows the error page instead of reloading forever.
const RELOADED_FOR = 'conduit:reloaded-for';
window.addEventListener('vite:preloadError', (event) => {
  const target = router.state.navigation.location ?? window.location;
  const href = `${target.pathname}${target.search}${target.hash}`;
  if (sessionStorage.getItem(RELOADED_FOR) === href) return;
  sessionStorage.setItem(RELOADED_FOR, href);
  event.preventDefault();
  window.location.assign(href);
});

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
const queryClient = createQueryClient();
const trpcClient = createTrpcClient();
void prefetchFirstPage(queryClient, trpcClient, window.location).then(() =>
  createRoot(root).render(
    <StrictMode>
      <App queryClient={queryClient} trpcClient={trpcClient} />
    </StrictMode>,
  ),
);
