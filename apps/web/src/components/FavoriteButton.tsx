// Favorite / unfavorite: the count changes at once and goes back if the server refuses.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { favoritePatch, patchQueries, restore } from '../lib/cache';
import { errorInfo } from '../lib/errors';
import { useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';

interface Props {
  article: { slug: string; title: string; favorited: boolean; favoritesCount: number };
  /** In lists: a heart and the count; on the article page: words too. */
  compact?: boolean;
}

export function FavoriteButton({ article, compact = false }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { viewer } = useViewer();
  const [failure, setFailure] = useState<string | null>(null);

  const mutationOptions = {
    onMutate: async ({ slug }: { slug: string }) => {
      setFailure(null);
      await queryClient.cancelQueries({ queryKey: trpc.article.pathKey() });
      return patchQueries(
        queryClient,
        trpc.article.pathKey(),
        favoritePatch(slug, !article.favorited),
      );
    },
    onError: (
      error: unknown,
      _input: unknown,
      snapshot: ReturnType<typeof patchQueries> | undefined,
    ) => {
      if (snapshot) restore(queryClient, snapshot);
      setFailure(errorInfo(error).message);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.article.pathKey() }),
  };
  const favorite = useMutation(trpc.article.favorite.mutationOptions(mutationOptions));
  const unfavorite = useMutation(trpc.article.unfavorite.mutationOptions(mutationOptions));

  function toggle() {
    if (!viewer) {
      void navigate('/login');
      return;
    }
    (article.favorited ? unfavorite : favorite).mutate({ slug: article.slug });
  }

  const label = article.favorited ? 'Unfavorite' : 'Favorite';
  return (
    <span className="favorite">
      <button
        type="button"
        className={`btn btn-sm ${article.favorited ? 'btn-primary' : 'btn-outline-primary'}`}
        aria-pressed={article.favorited}
        aria-label={compact ? `${label} "${article.title}" (${article.favoritesCount})` : undefined}
        onClick={toggle}
      >
        <span aria-hidden>♥</span>
        {compact ? ` ${article.favoritesCount}` : ` ${label} article (${article.favoritesCount})`}
      </button>
      {failure && (
        <span className="inline-error" role="alert">
          {failure}
        </span>
      )}
    </span>
  );
}
