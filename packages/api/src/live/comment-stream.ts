// The stream behind `comment.live`: new and deleted comments of a set of articles, each event
// `tracked` by the stream's position so that a client reconnecting with it misses no comment.
import type { Database } from '@conduit/db';
import { TRPCError, tracked } from '@trpc/server';
import {
  type ArticleComment,
  articleCommentsAfter,
  articleCommentsByIds,
  findArticles,
  newestCommentId,
} from '../services/comments';
import type { CommentEvent, CommentEvents } from './comment-events';

/** Comments missed while away are sent in pages of this size. */
const CATCH_UP_PAGE = 100;

export interface CommentStreamReader {
  db: Database;
  events: CommentEvents;
  viewerId: number | undefined;
  /** Who counts against the per-client cap (see clientKey). */
  client: string;
}

/**
 * The position is the newest comment id the stream has delivered, or the newest there was when
 * it started; deletions carry it too. Resuming from it, a client gets every comment written
 * after; deletions are not replayed (nothing keeps them).
 */
export async function* streamArticleComments(
  reader: CommentStreamReader,
  input: LiveInput,
  signal: AbortSignal | undefined,
) {
  const { db, viewerId } = reader;
  const articles = await findArticles(db, input.slugs);
  if (articles.length === 0) {
    throw new TRPCError({ code: 'NOT_FOUND', message: 'None of these articles exists' });
  }
  const slugOf = new Map(articles.map((article) => [article.id, article.slug]));
  const articleIds = [...slugOf.keys()];
  // Listening before reading the position: a comment written in between comes through both.
  const subscription = await reader.events.subscribe(articleIds, reader.client);
  try {
    let position = input.lastEventId ?? (await newestCommentId(db));
    const sent = new Set<number>();
    // The events are spelled as literals, not as a named type, on purpose: a client's declarations
    // (packages/client) then spell them out, and need no zod to read a comment's type.
    const created = ({ articleId, comment }: ArticleComment) => {
      sent.add(comment.id);
      position = Math.max(position, comment.id);
      const slug = slugOf.get(articleId) ?? '';
      return tracked(String(position), { kind: 'created' as const, slug, comment });
    };
    const deleted = (articleId: number, id: number) =>
      tracked(String(position), {
        kind: 'deleted' as const,
        slug: slugOf.get(articleId) ?? '',
        id,
      });

    // Says the stream is in effect, and where it stands: a client that has heard no event yet
    // still has an id to resume from.
    yield tracked(String(position), { kind: 'ready' as const });
    const after = catchUpFrom(articles, input);
    while (after.size > 0 && !signal?.aborted) {
      const missed = await articleCommentsAfter(db, after, CATCH_UP_PAGE, viewerId);
      for (const found of missed) yield created(found);
      const last = missed.at(-1)?.comment.id;
      if (missed.length < CATCH_UP_PAGE || last === undefined) break;
      // In id order: every comment up to the page's last has been sent, whatever its article.
      for (const [articleId, id] of after) after.set(articleId, Math.max(id, last));
    }
    for await (const batch of subscription.events(signal)) {
      const fresh = await freshComments(reader, articleIds, batch, sent);
      for (const announced of batch) {
        if (announced.kind === 'deleted') {
          yield deleted(announced.articleId, announced.commentId);
          continue;
        }
        const found = fresh.get(announced.commentId);
        // None: gone already (deleted in the same breath), or sent while catching up.
        if (found) yield created(found);
      }
    }
  } finally {
    subscription.close();
  }
}

interface LiveInput {
  slugs: string[];
  lastEventId?: number | undefined;
  /** Where the page of each slug stands (by index), null where it need not be said. */
  since?: (number | null)[] | undefined;
}

/**
 * The comment after which each article's catch-up starts (by article id; none for an article
 * that needs none): the client's position, or where the article's page stands when that is
 * earlier. A client's earlier streams may not have followed every article of this one, so its
 * position alone would skip the comments they never sent. A `since` is matched by the article's
 * current slug: one given for an earlier slug is not found, and that article starts from the
 * position (the web app asks by current slugs).
 */
function catchUpFrom(articles: { id: number; slug: string }[], input: LiveInput) {
  const sinceOf = new Map<string, number>();
  input.since?.forEach((since, index) => {
    const slug = input.slugs[index];
    if (since === null || slug === undefined) return;
    sinceOf.set(slug, Math.min(since, sinceOf.get(slug) ?? since));
  });
  const after = new Map<number, number>();
  for (const { id, slug } of articles) {
    const starts = [input.lastEventId, sinceOf.get(slug)].filter((n) => n !== undefined);
    if (starts.length > 0) after.set(id, Math.min(...starts));
  }
  return after;
}

/** The batch's new comments not sent yet, as this reader sees them, by id. */
async function freshComments(
  { db, viewerId }: CommentStreamReader,
  articleIds: number[],
  batch: CommentEvent[],
  sent: ReadonlySet<number>,
): Promise<Map<number, ArticleComment>> {
  const ids = batch
    .filter((e) => e.kind === 'created' && !sent.has(e.commentId))
    .map((e) => e.commentId);
  const found = await articleCommentsByIds(db, articleIds, ids, viewerId);
  return new Map(found.map((one) => [one.comment.id, one]));
}
