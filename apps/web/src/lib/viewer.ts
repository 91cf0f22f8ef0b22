// Who is signed in, from `auth.viewer` (null for a visitor). Signing in or out changes what every page shows
// (favorited, following, your feed), so those refetch everything the page holds.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useTRPC } from '../trpc';

export type Role = 'user' | 'moderator' | 'admin';
export interface Viewer {
  email: string;
  username: string;
  bio: string | null;
  image: string | null;
  role: Role;
  /** Whether the address was confirmed by a mailed link (a banner asks until it is). */
  emailVerified: boolean;
}

const RANK: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };

export function hasRole(viewer: Viewer | null | undefined, role: Role): boolean {
  return viewer ? RANK[viewer.role] >= RANK[role] : false;
}

/** `viewer` is undefined while unknown, null when signed out. */
export function useViewer(): { viewer: Viewer | null | undefined } {
  const trpc = useTRPC();
  const current = useQuery({
    ...trpc.auth.viewer.queryOptions(),
    staleTime: Number.POSITIVE_INFINITY,
  });
  return { viewer: current.data?.user };
}

/** After signing in (with the account the server returned) or out: refresh every cached answer. */
export function useSessionChanged() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    async (user: Viewer | null) => {
      if (user) {
        queryClient.setQueryData(trpc.auth.viewer.queryKey(), { user });
        await queryClient.invalidateQueries();
      } else {
        // Everything shown was seen through the old session: start again from nothing.
        await queryClient.resetQueries();
      }
    },
    [queryClient, trpc],
  );
}
