// Favorite / unfavorite: the count changes at once and goes back if the server refuses.
import { useMutation } from '@tanstack/react-query';
import { favoritePatch } from '../lib/cache';
import { useOptimisticPatch, useSignedInAction } from '../lib/optimistic';
import { useTRPC } from '../trpc';
import { ToggleButton } from './ToggleButton';

interface Props {
  article: { slug: string; title: string; favorited: boolean; favoritesCount: number };
  /** In lists: a heart and the count; on the article page: words too. */
  compact?: boolean;
}

export function FavoriteButton({ article, compact = false }: Props) {
  const trpc = useTRPC();
  const signedIn = useSignedInAction();
  const { mutationOptions, failure } = useOptimisticPatch(
    [trpc.article.pathKey()],
    ({ slug }: { slug: string }) => favoritePatch(slug, !article.favorited),
  );
  const favorite = useMutation(trpc.article.favorite.mutationOptions(mutationOptions));
  const unfavorite = useMutation(trpc.article.unfavorite.mutationOptions(mutationOptions));

  const toggle = () =>
    signedIn(() => (article.favorited ? unfavorite : favorite).mutate({ slug: article.slug }));

  const label = article.favorited ? 'Unfavorite' : 'Favorite';
  return (
    <ToggleButton
      className="favorite"
      tone="primary"
      pressed={article.favorited}
      // The name starts with what is seen ("5"), so saying it works by voice (WCAG 2.5.3), and
      // goes on with what it does, for screen readers.
      label={compact ? `${article.favoritesCount}: ${label} "${article.title}"` : undefined}
      failure={failure}
      onClick={toggle}
    >
      <span aria-hidden>♥</span>
      {compact ? ` ${article.favoritesCount}` : ` ${label} article (${article.favoritesCount})`}
    </ToggleButton>
  );
}
