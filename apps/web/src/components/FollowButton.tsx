// Follow / unfollow an author: shown at once everywhere their name appears, undone on refusal.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { followPatch, patchQueries, restore } from '../lib/cache';
import { errorInfo } from '../lib/errors';
import { useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';

interface Props {
  profile: { username: string; following: boolean };
}

export function FollowButton({ profile }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { viewer } = useViewer();
  const [failure, setFailure] = useState<string | null>(null);

  const prefixes = [trpc.profile.pathKey(), trpc.article.pathKey()];
  const mutationOptions = {
    onMutate: async ({ username }: { username: string }) => {
      setFailure(null);
      await Promise.all(prefixes.map((queryKey) => queryClient.cancelQueries({ queryKey })));
      const patch = followPatch(username, !profile.following);
      return prefixes.flatMap((prefix) => patchQueries(queryClient, prefix, patch));
    },
    onError: (
      error: unknown,
      _input: unknown,
      snapshot: ReturnType<typeof patchQueries> | undefined,
    ) => {
      if (snapshot) restore(queryClient, snapshot);
      setFailure(errorInfo(error).message);
    },
    onSettled: () =>
      Promise.all(prefixes.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  };
  const follow = useMutation(trpc.profile.follow.mutationOptions(mutationOptions));
  const unfollow = useMutation(trpc.profile.unfollow.mutationOptions(mutationOptions));

  if (viewer?.username === profile.username) return null;

  function toggle() {
    if (!viewer) {
      void navigate('/login');
      return;
    }
    (profile.following ? unfollow : follow).mutate({ username: profile.username });
  }

  return (
    <span className="follow">
      <button
        type="button"
        className={`btn btn-sm ${profile.following ? 'btn-secondary' : 'btn-outline-secondary'}`}
        aria-pressed={profile.following}
        onClick={toggle}
      >
        {profile.following ? `Unfollow ${profile.username}` : `Follow ${profile.username}`}
      </button>
      {failure && (
        <span className="inline-error" role="alert">
          {failure}
        </span>
      )}
    </span>
  );
}
