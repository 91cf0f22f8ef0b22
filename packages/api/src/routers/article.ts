// Articles: write, read, list, feed, favorite.
import { hasRole, type Role } from '@conduit/auth';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import type { z } from 'zod';
import { invalidate } from '../cache';
import type { Context } from '../context';
import { invalidFields } from '../errors';
import {
  type ArticleRendered,
  type ArticleSource,
  createArticleInput,
  deleteArticleInput,
  favoriteArticleInput,
  feedInput,
  getArticleInput,
  listArticlesInput,
  updateArticleInput,
} from '../schemas/article';
import { searchArticlesInput } from '../schemas/search';
import {
  type ArticleRef,
  createArticle,
  deleteArticle,
  favoriteArticle,
  findArticle,
  unfavoriteArticle,
  updateArticle,
} from '../services/articles';
import { feedArticles, listArticles } from '../services/articles-list';
import { searchArticles } from '../services/articles-search';
import { ARTICLES, type Reader, readArticle, readFirstPage } from '../services/cached-reads';
import { publicProcedure, signedInProcedure, writerProcedure } from '../trpc';
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

// Cached reads load through the primary (ctx.db), never a replica: a lagging replica would put
// back, after an invalidation, the value the write had just replaced (decision 039).
const readerOf = (ctx: Context): Reader => ({
  db: ctx.db,
  cache: ctx.cache,
  viewerId: ctx.viewer?.user.id,
});

/** The unfiltered newest articles, from the start: the page every visitor opens. */
const isFirstPage = (input: z.output<typeof listArticlesInput>) =>
  input.tag === undefined &&
  input.author === undefined &&
  input.favorited === undefined &&
  !input.offset &&
  input.cursor === undefined;

// Lists, the feed and search that the cache does not keep read `ctx.readDb`: a read replica when
// one is in service and this client has not just written (decision 039).
export const articleRouter = {
  list: publicProcedure
    .input(listArticlesInput)
    .query(({ ctx, input }) =>
      isFirstPage(input)
        ? readFirstPage(readerOf(ctx), input.limit)
        : listArticles(ctx.readDb, input, input, ctx.viewer?.user.id),
    ),

  feed: signedInProcedure
    .input(feedInput)
    .query(({ ctx, input }) => feedArticles(ctx.readDb, ctx.viewer.user.id, input)),

  // Not cached: queries are many and each is rarely repeated; the index does the work.
  search: publicProcedure
    .input(searchArticlesInput)
    .query(({ ctx, input }) => searchArticles(ctx.readDb, input, ctx.viewer?.user.id)),

  get: publicProcedure.input(getArticleInput).query(async ({ ctx, input }) => ({
    article: await readArticle(readerOf(ctx), input.slug),
  })),

  // Answers that carry what their page needs (issue 16): `get` sends the Markdown source and its
  // rendering, each about as long as the other; the article page needs only the rendering and the
  // editor only the source. Both come from the same cached read.
  view: publicProcedure.input(getArticleInput).query(async ({ ctx, input }) => {
    const { body: _source, ...article } = await readArticle(readerOf(ctx), input.slug);
    return { article: article satisfies ArticleRendered };
  }),

  source: publicProcedure.input(getArticleInput).query(async ({ ctx, input }) => {
    const { bodyHtml: _rendered, ...article } = await readArticle(readerOf(ctx), input.slug);
    return { article: article satisfies ArticleSource };
  }),

  create: writerProcedure.input(createArticleInput).mutation(async ({ ctx, input }) => {
    const article = await createArticle(ctx.db, ctx.viewer.user.id, input);
    await invalidate(ctx.cache, TAGS, ARTICLES);
    return { article };
  }),

  update: writerProcedure
    .input(updateArticleInput)
    .mutation(async ({ ctx, input: { slug, ...changes } }) => {
      const article = await findArticle(ctx.db, slug);
      assertMayChange(ctx.viewer.user, article, 'edit');
      const updated = await updateArticle(ctx.db, article, changes, ctx.viewer.user.id);
      await invalidate(ctx.cache, ARTICLES, ...(changes.tagList === undefined ? [] : [TAGS]));
      return { article: updated };
    }),

  delete: signedInProcedure.input(deleteArticleInput).mutation(async ({ ctx, input }) => {
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
    await invalidate(ctx.cache, TAGS, ARTICLES);
    return { slug: article.slug };
  }),

  // The favorites count is part of every cached view of the article.
  favorite: writerProcedure.input(favoriteArticleInput).mutation(async ({ ctx, input }) => {
    const article = await favoriteArticle(ctx.db, ctx.viewer.user.id, input.slug);
    await invalidate(ctx.cache, ARTICLES);
    return { article };
  }),

  unfavorite: writerProcedure.input(favoriteArticleInput).mutation(async ({ ctx, input }) => {
    const article = await unfavoriteArticle(ctx.db, ctx.viewer.user.id, input.slug);
    await invalidate(ctx.cache, ARTICLES);
    return { article };
  }),
} satisfies TRPCRouterRecord;
