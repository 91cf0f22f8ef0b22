// One article: its rendered body (sanitised by the server), author, follow and favorite, edit and
// delete for its author (remove for moderators), and its comments, which arrive live.
import type { RouterOutputs } from '@conduit/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { Avatar } from '../components/Avatar';
import { FavoriteButton } from '../components/FavoriteButton';
import { FollowButton } from '../components/FollowButton';
import { ConfirmDelete, RemoveWithReason } from '../components/RemoveWithReason';
import { ErrorState, Loading } from '../components/States';
import { TagList } from '../components/TagList';
import { errorInfo } from '../lib/errors';
import { formatDate } from '../lib/format';
import { useTitle } from '../lib/title';
import { hasRole, useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';
import { Comments } from './Comments';

type Article = RouterOutputs['article']['get']['article'];

export function ArticlePage() {
  const { slug = '' } = useParams();
  const trpc = useTRPC();
  const article = useQuery(trpc.article.get.queryOptions({ slug }));
  useTitle(article.data?.article.title);

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

function ArticleMeta({ article }: { article: Article }) {
  const { viewer } = useViewer();
  const { author } = article;
  const isAuthor = viewer?.username === author.username;
  return (
    <div className="article-meta">
      <Link to={`/profile/${encodeURIComponent(author.username)}`} tabIndex={-1} aria-hidden>
        <Avatar username={author.username} image={author.image} />
      </Link>
      <div className="info">
        <Link className="author" to={`/profile/${encodeURIComponent(author.username)}`}>
          {author.username}
        </Link>
        <time className="date" dateTime={article.createdAt}>
          {formatDate(article.createdAt)}
        </time>
      </div>
      <div className="actions">
        {isAuthor ? (
          <>
            <Link
              className="btn btn-sm btn-outline-secondary"
              to={`/editor/${encodeURIComponent(article.slug)}`}
            >
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
    </div>
  );
}

function DeleteArticle({ slug, asAuthor }: { slug: string; asAuthor: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation(
    trpc.article.delete.mutationOptions({
      onSuccess: async () => {
        queryClient.removeQueries({ queryKey: trpc.article.get.queryKey({ slug }) });
        await queryClient.invalidateQueries({ queryKey: trpc.article.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.tag.pathKey() });
        void navigate('/', { replace: true });
      },
    }),
  );
  const failure =
    remove.error && Object.keys(errorInfo(remove.error).fieldErrors).length === 0
      ? errorInfo(remove.error).message
      : null;
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
      {failure && (
        <span className="inline-error" role="alert">
          {failure}
        </span>
      )}
    </>
  );
}
