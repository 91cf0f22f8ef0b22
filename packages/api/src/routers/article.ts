// Articles: write, read, list, feed, favorite.
import { hasRole, type Role } from '@conduit/auth';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { invalidate } from '../cache';
import { invalidFields } from '../errors';
import {
  createArticleInput,
  deleteArticleInput,
  favoriteArticleInput,
  feedInput,
  getArticleInput,
  listArticlesInput,
  updateArticleInput,
} from '../schemas/article';
import {
  type ArticleRef,
  createArticle,
  deleteArticle,
  favoriteArticle,
  findArticle,
  getArticle,
  unfavoriteArticle,
  updateArticle,
} from '../services/articles';
import { feedArticles, listArticles } from '../services/articles-list';
import { authedProcedure, publicProcedure } from '../trpc';
import { TAGS } from './tag';

type Viewer = { id: number; role: Role };

const isAuthor = (viewer: Viewer, article: ArticleRef) => article.authorId === viewer.id;

/** The author may change or remove their article; moderators and admins may too. */
function assertMayChange(viewer: Viewer, article: ArticleRef, action: 'edit' | 'delete') {
  if (isAuthor(viewer, article) || hasRole(viewer.role, 'moderator')) return;
  throw new TRPCError({
    code: 'FORBIDDEN',
    message: `Only the author, a moderator or an admin may ${action} this article`,
  });
}

export const articleRouter = {
  list: publicProcedure
    .input(listArticlesInput)
    .query(({ ctx, input }) => listArticles(ctx.db, input, input, ctx.viewer?.user.id)),

  feed: authedProcedure
    .input(feedInput)
    .query(({ ctx, input }) => feedArticles(ctx.db, ctx.viewer.user.id, input)),

  get: publicProcedure.input(getArticleInput).query(async ({ ctx, input }) => ({
    article: await getArticle(ctx.db, input.slug, ctx.viewer?.user.id),
  })),

  create: authedProcedure.input(createArticleInput).mutation(async ({ ctx, input }) => {
    const article = await createArticle(ctx.db, ctx.viewer.user.id, input);
    await invalidate(ctx.cache, TAGS);
    return { article };
  }),

  update: authedProcedure
    .input(updateArticleInput)
    .mutation(async ({ ctx, input: { slug, ...changes } }) => {
      const article = await findArticle(ctx.db, slug);
      assertMayChange(ctx.viewer.user, article, 'edit');
      const updated = await updateArticle(ctx.db, article, changes, ctx.viewer.user.id);
      if (changes.tagList !== undefined) await invalidate(ctx.cache, TAGS);
      return { article: updated };
    }),

  delete: authedProcedure.input(deleteArticleInput).mutation(async ({ ctx, input }) => {
    const viewer = ctx.viewer.user;
    const article = await findArticle(ctx.db, input.slug);
    assertMayChange(viewer, article, 'delete');
    if (isAuthor(viewer, article)) {
      await deleteArticle(ctx, article);
    } else {
      // A moderator removing someone else's work says why; the reason goes to the audit log.
      if (input.reason === undefined) {
        throw invalidFields({ reason: ["is required to remove someone else's article"] });
      }
      await deleteArticle(ctx, article, { actorId: viewer.id, reason: input.reason });
    }
    await invalidate(ctx.cache, TAGS);
    return { slug: article.slug };
  }),

  favorite: authedProcedure.input(favoriteArticleInput).mutation(async ({ ctx, input }) => ({
    article: await favoriteArticle(ctx.db, ctx.viewer.user.id, input.slug),
  })),

  unfavorite: authedProcedure.input(favoriteArticleInput).mutation(async ({ ctx, input }) => ({
    article: await unfavoriteArticle(ctx.db, ctx.viewer.user.id, input.slug),
  })),
} satisfies TRPCRouterRecord;
