// tRPC through TanStack Query: `useTRPC()` gives typed query/mutation options for every procedure.
// The client is @conduit/client's, so the web app talks to the server exactly as any TypeScript
// caller does; in the browser it authenticates with the session cookie, never a stored token.
import { type AppRouter, createClient } from '@conduit/client';
import { QueryClient } from '@tanstack/react-query';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { errorInfo } from './lib/errors';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Same origin: the server serves this app, and `pnpm dev` proxies /trpc to it. */
export function createTrpcClient() {
  return createClient({ url: window.location.origin });
}

/** Failures a retry cannot mend (bad input, not allowed, not found, too many) are not retried. */
function shouldRetry(failures: number, error: unknown): boolean {
  const status = errorInfo(error).httpStatus;
  if (status !== undefined && status >= 400 && status < 500) return false;
  return failures < 2;
}

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 15_000, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}
