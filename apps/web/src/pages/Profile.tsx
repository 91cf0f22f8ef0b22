// A user's profile: picture, bio, follow, and their articles or the ones they favorited.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ArticleList, pageInput, usePage } from '../components/ArticleList';
import { Avatar } from '../components/Avatar';
import { FollowButton } from '../components/FollowButton';
import { ErrorState, Loading } from '../components/States';
import { Tabs } from '../components/Tabs';
import { favoritesPath, profilePath } from '../lib/paths';
import { useTitle } from '../lib/title';
import { useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';

export function ProfilePage({ favorites = false }: { favorites?: boolean }) {
  const { username = '' } = useParams();
  const trpc = useTRPC();
  const { viewer } = useViewer();
  const [page] = usePage();
  const profile = useQuery(trpc.profile.get.queryOptions({ username }));
  useTitle(favorites ? `Favorited by ${username}` : username);
  const articles = useQuery({
    ...trpc.article.list.queryOptions({
      ...pageInput(page),
      ...(favorites ? { favorited: username } : { author: username }),
    }),
    enabled: profile.isSuccess,
    placeholderData: keepPreviousData,
  });

  if (profile.isPending) return <Loading what="Loading the profile" />;
  if (profile.isError) {
    return (
      <div className="container page">
        <ErrorState error={profile.error} retry={profile.refetch} />
      </div>
    );
  }
  const shown = profile.data.profile;
  const own = viewer?.username === shown.username;
  return (
    <div className="profile-page">
      <div className="user-info">
        <div className="container">
          <Avatar username={shown.username} image={shown.image} size="large" />
          <h1>{shown.username}</h1>
          {shown.bio && <p className="bio">{shown.bio}</p>}
          {own ? (
            <Link className="btn btn-sm btn-outline-secondary" to="/settings">
              Edit profile settings
            </Link>
          ) : (
            <FollowButton profile={shown} />
          )}
        </div>
      </div>
      <div className="container page">
        <Tabs
          label="Articles"
          tabs={[
            {
              to: profilePath(shown.username),
              label: own ? 'My articles' : 'Articles',
              current: !favorites,
            },
            { to: favoritesPath(shown.username), label: 'Favorited articles', current: favorites },
          ]}
        />
        <ArticleList
          query={articles}
          empty={
            favorites
              ? `${shown.username} has not favorited any articles yet.`
              : `${shown.username} has not published any articles yet.`
          }
        />
      </div>
    </div>
  );
}
