// Follow / unfollow an author: shown at once everywhere their name appears, undone on refusal.
import { useMutation } from '@tanstack/react-query';
import { followPatch } from '../lib/cache';
import { useOptimisticPatch, useSignedInAction } from '../lib/optimistic';
import { useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';
import { ToggleButton } from './ToggleButton';

interface Props {
  profile: { username: string; following: boolean };
}

export function FollowButton({ profile }: Props) {
  const trpc = useTRPC();
  const { viewer } = useViewer();
  const signedIn = useSignedInAction();
  const { mutationOptions, failure } = useOptimisticPatch(
    [trpc.profile.pathKey(), trpc.article.pathKey()],
    ({ username }: { username: string }) => followPatch(username, !profile.following),
  );
  const follow = useMutation(trpc.profile.follow.mutationOptions(mutationOptions));
  const unfollow = useMutation(trpc.profile.unfollow.mutationOptions(mutationOptions));

  if (viewer?.username === profile.username) return null;

  const toggle = () =>
    signedIn(() => (profile.following ? unfollow : follow).mutate({ username: profile.username }));

  return (
    <ToggleButton
      className="follow"
      tone="secondary"
      pressed={profile.following}
      failure={failure}
      onClick={toggle}
    >
      {profile.following ? `Unfollow ${profile.username}` : `Follow ${profile.username}`}
    </ToggleButton>
  );
}
