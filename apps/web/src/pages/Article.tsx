// One article: its rendered body (sanitised by the server), author, follow and favorite, edit and
// delete for its author (remove for moderators), and its comments, which arrive live.
import type { RouterOutputs } from '@conduit/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Byline } from '../components/Byline';
import { FavoriteButton } from '../components/FavoriteButton';
import { FollowButton } from '../components/FollowButton';
import { ConfirmDelete, RemoveWithReason } from '../components/RemoveWithReason';
import { ErrorState, InlineError, Loading } from '../components/States';
import { TagList } from '../components/TagList';
import { refusalMessage } from '../lib/errors';
import { articlePath, editorPath } from '../lib/paths';
import { useTitle } from '../lib/title';
import { hasRole, useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';
import { Comments } from './Comments';

type Article = RouterOutputs['article']['view']['article'];

export function ArticlePage() {
  const { slug = '' } = useParams();
  const trpc = useTRPC();
  // The rendered body only: the page never shows the Markdown source (the editor asks for that).
  const article = useQuery(trpc.article.view.queryOptions({ slug }));
  useTitle(article.data?.article.title);
  useCurrentSlugInAddress(slug, article.data);

  if (article.isPending) return <Loading what="Loading the article" />;
  if (article.isError) {
    return (
      <div className="container page">
        <ErrorState error={article.error} retry={article.refetch} />
      </div>
    );
  }
  const shown = article.data.article;
  return (
    <article className="article-page">
      <div className="banner">
        <div className="container">
          <h1>{shown.title}</h1>
          <ArticleMeta article={shown} />
        </div>
      </div>
      <div className="container page">
        <div
          className="article-content"
          // bodyHtml is rendered from Markdown and sanitised by the server (an allow-list of
          // tags and attributes); the CSP forbids inline scripts besides.
          dangerouslySetInnerHTML={{ __html: shown.bodyHtml }}
        />
        <TagList tags={shown.tagList} />
        <hr />
        <div className="article-actions">
          <ArticleMeta article={shown} />
        </div>
        <Comments slug={shown.slug} />
      </div>
    </article>
  );
}

/**
 * An earlier slug (the title changed since the link was made, decision 031) answers the article
 * under its current one: the address is replaced by the current link, without a history entry, and
 * the answer is kept for it, so the page does not load again.
 */
function useCurrentSlugInAddress(slug: string, data: { article: Article } | undefined) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const trpc = useTRPC();
  const current = data?.article.slug;
  useEffect(() => {
    if (!data || current === undefined || current === slug) return;
    queryClient.setQueryData(trpc.article.view.queryKey({ slug: current }), data);
    void navigate(articlePath(current), { replace: true });
  }, [slug, current, data, navigate, queryClient, trpc]);
}

function ArticleMeta({ article }: { article: Article }) {
  const { viewer } = useViewer();
  const { author } = article;
  const isAuthor = viewer?.username === author.username;
  return (
    <Byline author={author} createdAt={article.createdAt}>
      <div className="actions">
        {isAuthor ? (
          <>
            <Link className="btn btn-sm btn-outline-secondary" to={editorPath(article.slug)}>
              Edit article
            </Link>
            <DeleteArticle slug={article.slug} asAuthor />
          </>
        ) : (
          <>
            <FollowButton profile={author} />
            <FavoriteButton article={article} />
            {hasRole(viewer, 'moderator') && <DeleteArticle slug={article.slug} asAuthor={false} />}
          </>
        )}
      </div>
    </Byline>
  );
}

function DeleteArticle({ slug, asAuthor }: { slug: string; asAuthor: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation(
    trpc.article.delete.mutationOptions({
      onSuccess: async () => {
        queryClient.removeQueries({ queryKey: trpc.article.view.queryKey({ slug }) });
        queryClient.removeQueries({ queryKey: trpc.article.get.queryKey({ slug }) });
        await queryClient.invalidateQueries({ queryKey: trpc.article.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.tag.pathKey() });
        void navigate('/', { replace: true });
      },
    }),
  );
  return (
    <>
      {asAuthor ? (
        <ConfirmDelete
          what="article"
          pending={remove.isPending}
          onDelete={() => remove.mutate({ slug })}
        />
      ) : (
        <RemoveWithReason
          what="article"
          pending={remove.isPending}
          error={remove.error}
          onRemove={(reason) => remove.mutate({ slug, reason })}
        />
      )}
      <InlineError message={refusalMessage(remove.error)} />
    </>
  );
}
