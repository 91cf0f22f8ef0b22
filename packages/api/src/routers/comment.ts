// Comments on articles: read them, write, delete (authors; moderators with a reason), and changes
// live (`live` for a set of articles, new and deleted comments; `onCreated`, the older one-article
// stream of new comments, kept for existing clients).
import { hasRole } from '@conduit/auth';
import { TRPCError, type TRPCRouterRecord, tracked } from '@trpc/server';
import { invalidFields } from '../errors';
import { clientKey } from '../limits';
import { streamArticleComments } from '../live/comment-stream';
import {
  commentsLiveInput,
  commentsLiveSetInput,
  createCommentInput,
  deleteCommentInput,
  listCommentsInput,
} from '../schemas/comment';
import {
  commentsAfter,
  commentsByIds,
  createComment,
  deleteComment,
  findArticle,
  findComment,
  listComments,
  removeComment,
} from '../services/comments';
import { publicProcedure, signedInProcedure, writerProcedure } from '../trpc';

/** Comments missed while away are sent in pages of this size. */
const CATCH_UP_PAGE = 100;

export const commentRouter = {
  /**
   * Oldest first, a page at a time (`nextCursor` leads on). From a read replica when one is in
   * service (decision 039); live comments and their catch-up read the primary.
   */
  list: publicProcedure.input(listCommentsInput).query(async ({ ctx, input }) => {
    const readDb = await ctx.reads.readDb();
    const article = await findArticle(readDb, input.slug);
    return listComments(readDb, article.id, input, ctx.viewer?.user.id);
  }),

  create: writerProcedure.input(createCommentInput).mutation(async ({ ctx, input }) => {
    const article = await findArticle(ctx.db, input.slug);
    const comment = await createComment(ctx.db, {
      articleId: article.id,
      authorId: ctx.viewer.user.id,
      body: input.body,
    });
    return { comment };
  }),

  /** By its author; or by a moderator or admin, who must say why (the reason is audited). */
  delete: signedInProcedure.input(deleteCommentInput).mutation(async ({ ctx, input }) => {
    const article = await findArticle(ctx.db, input.slug);
    const comment = await findComment(ctx.db, article.id, input.id);
    const actor = ctx.viewer.user;
    if (comment.authorId === actor.id) {
      await deleteComment(ctx.db, comment.id);
      return { id: comment.id };
    }
    if (!hasRole(actor.role, 'moderator')) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: 'Only its author may delete this comment',
      });
    }
    if (!input.reason) {
      throw invalidFields({ reason: ["is required to delete someone else's comment"] });
    }
    await removeComment(ctx, { comment, article, moderatorId: actor.id, reason: input.reason });
    return { id: comment.id };
  }),

  /**
   * Every new comment of the article, as it is written (through any server instance), each
   * `tracked` by its id: a client reconnecting with the last id it got (`lastEventId`, sent by
   * the client link and by EventSource) first receives the comments written meanwhile.
   */
  onCreated: publicProcedure.input(commentsLiveInput).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const article = await findArticle(ctx.db, input.slug);
    const viewerId = ctx.viewer?.user.id;
    // Listening before catching up: a comment written in between comes through one or the other.
    const subscription = await ctx.commentEvents.subscribe(
      article.id,
      clientKey(ctx.meta.ip ?? 'unknown'),
    );
    try {
      const caughtUp = new Set<number>();
      let after = input.lastEventId;
      while (after !== undefined && !signal?.aborted) {
        const missed = await commentsAfter(ctx.db, article.id, after, CATCH_UP_PAGE, viewerId);
        for (const comment of missed) {
          caughtUp.add(comment.id);
          yield tracked(String(comment.id), comment);
        }
        after = missed.length === CATCH_UP_PAGE ? missed.at(-1)?.id : undefined;
      }
      for await (const ids of subscription.batches(signal)) {
        const fresh = ids.filter((id) => !caughtUp.has(id));
        for (const comment of await commentsByIds(ctx.db, article.id, fresh, viewerId)) {
          yield tracked(String(comment.id), comment);
        }
      }
    } finally {
      subscription.close();
    }
  }),

  /**
   * New and deleted comments of every article named, as they happen (through any server
   * instance): what one browser needs for all its open article pages, over one connection.
   * Slugs naming no article are left out (404 when none is left). The first event, `ready`, says
   * the stream is listening. Every event is `tracked` by the stream's position (see
   * live/comment-stream.ts): a client reconnecting with it first receives the comments written
   * meanwhile. Deletions are not replayed: a client that was away reads its lists again.
   */
  live: publicProcedure.input(commentsLiveSetInput).subscription(({ ctx, input, signal }) =>
    streamArticleComments(
      {
        db: ctx.db,
        events: ctx.commentEvents,
        viewerId: ctx.viewer?.user.id,
        client: clientKey(ctx.meta.ip ?? 'unknown'),
      },
      input,
      signal,
    ),
  ),
} satisfies TRPCRouterRecord;
