// An article's comments, oldest first, a page at a time; new ones (anyone's) arrive live and are
// added in place, deleted ones disappear, through the browser's one live stream (lib/live.ts).
import type { RouterOutputs } from '@conduit/client';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { Avatar } from '../components/Avatar';
import { Field, FormErrors } from '../components/Form';
import { ConfirmDelete, RemoveWithReason } from '../components/RemoveWithReason';
import { Empty, ErrorState, InlineError, Loading } from '../components/States';
import { refusalMessage } from '../lib/errors';
import { formatDateTime } from '../lib/format';
import { type LiveEvent, type LiveStatus, watchLiveComments } from '../lib/live';
import { liveList } from '../lib/live-list';
import { profilePath } from '../lib/paths';
import { hasRole, useViewer } from '../lib/viewer';
import { useTRPC, useTRPCClient } from '../trpc';

type CommentPage = RouterOutputs['comment']['list'];
type Comment = CommentPage['comments'][number];

export function Comments({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { viewer } = useViewer();
  const location = useLocation();
  const listKey = trpc.comment.list.infiniteQueryKey({ slug });
  const comments = useInfiniteQuery(
    trpc.comment.list.infiniteQueryOptions(
      { slug },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );

  /** Adds a comment once (the live stream also brings our own), at the end when we hold the end. */
  const add = useCallback(
    (comment: Comment) =>
      queryClient.setQueryData(listKey, (data) => {
        if (!data) return data;
        if (data.pages.some((page) => page.comments.some((c) => c.id === comment.id))) return data;
        const last = data.pages.at(-1);
        if (!last || last.nextCursor) return data; // not loaded that far: it comes with "more"
        return {
          ...data,
          pages: [...data.pages.slice(0, -1), { ...last, comments: [...last.comments, comment] }],
        };
      }),
    [queryClient, listKey],
  );
  const remove = useCallback(
    (id: number) =>
      queryClient.setQueryData(listKey, (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((page) => ({
                ...page,
                comments: page.comments.filter((c) => c.id !== id),
              })),
            }
          : data,
      ),
    [queryClient, listKey],
  );

  const client = useTRPCClient();
  const [live, setLive] = useState<{ status: LiveStatus; leader: boolean }>();
  // The latest handlers, so that watching lasts as long as the page shows this article (the
  // query key, and so the handlers, are new at every render).
  const handlers = useRef({ add, remove, reload: () => {}, since: (): number | null => null });
  handlers.current = {
    add,
    remove,
    reload: () => void queryClient.invalidateQueries({ queryKey: listKey }),
    since: () => newestHeld(queryClient.getQueryData(listKey)),
  };
  const loaded = comments.isSuccess;
  useEffect(() => {
    if (!loaded) return;
    // A read of the list on its way when an event comes would drop it: lib/live-list.ts.
    const list = liveList<LiveEvent>(
      queryClient,
      trpc.comment.list.infiniteQueryKey({ slug }),
      (event) =>
        event.kind === 'created'
          ? handlers.current.add(event.comment)
          : handlers.current.remove(event.id),
    );
    const stopWatching = watchLiveComments(client, {
      slug,
      onEvent: list.hear,
      onResync: () => handlers.current.reload(),
      since: () => handlers.current.since(),
      onStatus: (status, leader) => setLive({ status, leader }),
    });
    return () => {
      stopWatching();
      list.stop();
    };
  }, [client, queryClient, trpc, slug, loaded]);

  const all = comments.data?.pages.flatMap((page) => page.comments) ?? [];
  return (
    <section className="comments" aria-labelledby="comments-title">
      <h2 id="comments-title">Comments</h2>
      {viewer ? (
        <CommentForm slug={slug} onPosted={add} />
      ) : viewer === null ? (
        <p>
          <Link to="/login" state={{ from: location.pathname }}>
            Sign in
          </Link>{' '}
          or <Link to="/register">sign up</Link> to add comments on this article.
        </p>
      ) : null}
      <p
        className="live-status"
        aria-live="polite"
        data-live-role={live ? (live.leader ? 'leader' : 'follower') : undefined}
      >
        {live?.status === 'live' ? 'New comments appear here as they are written.' : ''}
        {live?.status === 'connecting' ? 'Connecting for new comments…' : ''}
        {live?.status === 'error' ? 'New comments are not arriving live; reload to see them.' : ''}
      </p>
      {comments.isPending ? (
        <Loading what="Loading comments" />
      ) : comments.isError ? (
        <ErrorState error={comments.error} retry={comments.refetch} />
      ) : all.length === 0 ? (
        <Empty>No comments yet.</Empty>
      ) : (
        <ol className="comment-list">
          {all.map((comment) => (
            <li key={comment.id}>
              <CommentCard slug={slug} comment={comment} onRemoved={remove} />
            </li>
          ))}
        </ol>
      )}
      {comments.hasNextPage && (
        <button
          type="button"
          className="btn btn-outline"
          disabled={comments.isFetchingNextPage}
          onClick={() => comments.fetchNextPage()}
        >
          {comments.isFetchingNextPage ? 'Loading…' : 'More comments'}
        </button>
      )}
    </section>
  );
}

/**
 * The newest comment the list holds (0 for none) when it holds the newest page; null when more
 * pages follow, since comments written now come with them (see LiveWatcher.since).
 */
function newestHeld(data: { pages: CommentPage[] } | undefined): number | null {
  if (!data || data.pages.at(-1)?.nextCursor) return null;
  let newest = 0;
  for (const page of data.pages) for (const c of page.comments) newest = Math.max(newest, c.id);
  return newest;
}

function CommentForm({ slug, onPosted }: { slug: string; onPosted: (comment: Comment) => void }) {
  const trpc = useTRPC();
  const { viewer } = useViewer();
  const [body, setBody] = useState('');
  const post = useMutation(
    trpc.comment.create.mutationOptions({
      onSuccess: ({ comment }) => {
        onPosted(comment);
        setBody('');
      },
    }),
  );
  return (
    <form
      className="card comment-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        post.mutate({ slug, body });
      }}
    >
      <FormErrors error={post.error} fields={['body']} />
      <Field label="Write a comment" subject="The comment" name="body" error={post.error}>
        {(props) => (
          <textarea
            {...props}
            rows={3}
            value={body}
            onChange={(event) => setBody(event.target.value)}
          />
        )}
      </Field>
      <div className="card-footer">
        {viewer && <Avatar username={viewer.username} image={viewer.image} />}
        <button type="submit" className="btn btn-sm btn-primary" disabled={post.isPending}>
          {post.isPending ? 'Posting…' : 'Post comment'}
        </button>
      </div>
    </form>
  );
}

function CommentCard({
  slug,
  comment,
  onRemoved,
}: {
  slug: string;
  comment: Comment;
  onRemoved: (id: number) => void;
}) {
  const trpc = useTRPC();
  const { viewer } = useViewer();
  const remove = useMutation(
    trpc.comment.delete.mutationOptions({ onSuccess: () => onRemoved(comment.id) }),
  );
  const isAuthor = viewer?.username === comment.author.username;
  return (
    <article className="card comment" aria-label={`Comment by ${comment.author.username}`}>
      <p className="card-block comment-body">{comment.body}</p>
      <div className="card-footer">
        <Link to={profilePath(comment.author.username)} className="comment-author">
          <Avatar username={comment.author.username} image={comment.author.image} />
          {comment.author.username}
        </Link>
        <time dateTime={comment.createdAt}>{formatDateTime(comment.createdAt)}</time>
        <span className="pull-right">
          {isAuthor ? (
            <ConfirmDelete
              what="comment"
              pending={remove.isPending}
              onDelete={() => remove.mutate({ slug, id: comment.id })}
            />
          ) : hasRole(viewer, 'moderator') ? (
            <RemoveWithReason
              what="comment"
              pending={remove.isPending}
              error={remove.error}
              onRemove={(reason) => remove.mutate({ slug, id: comment.id, reason })}
            />
          ) : null}
        </span>
      </div>
      <InlineError message={refusalMessage(remove.error)} block />
    </article>
  );
}
