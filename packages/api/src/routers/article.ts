// Articles: write, read, list, feed, favorite.
import { hasRole, type Role } from '@conduit/auth';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
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
import { articleTag, editTags, membershipTags } from '../services/cache-tags';
import { type Reader, readArticle, readFeedFirstPage, readList } from '../services/cached-reads';
import { publicProcedure, signedInProcedure, writerProcedure } from '../trpc';

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
// back, after an invalidation, the value the write had just replaced (decision 039). With the
// cache off nothing is put back, and they read like the rest (ctx.reads.readDb()).
const readerOf = async (ctx: Context): Promise<Reader> => ({
  db: ctx.cache.keeps ? ctx.db : await ctx.reads.readDb(),
  cache: ctx.cache,
  viewerId: ctx.viewer?.user.id,
});

// Lists, the feed and search that the cache does not keep read `ctx.reads.readDb()`: a read
// replica when one is in service and this client has not just written (decision 039).
export const articleRouter = {
  // Cached, but for the lists of what someone favorited: every favorite would change them.
  list: publicProcedure
    .input(listArticlesInput)
    .query(async ({ ctx, input }) =>
      input.favorited === undefined
        ? readList(await readerOf(ctx), input, input)
        : listArticles(await ctx.reads.readDb(), input, input, ctx.viewer?.user.id),
    ),

  // The first page is cached per reader; later pages are read as asked.
  feed: signedInProcedure
    .input(feedInput)
    .query(async ({ ctx, input }) =>
      !input.offset && input.cursor === undefined
        ? readFeedFirstPage(await readerOf(ctx), ctx.viewer.user.id, input.limit)
        : feedArticles(await ctx.reads.readDb(), ctx.viewer.user.id, input),
    ),

  // Not cached: queries are many and each is rarely repeated; the index does the work.
  search: publicProcedure
    .input(searchArticlesInput)
    .query(async ({ ctx, input }) =>
      searchArticles(await ctx.reads.readDb(), input, ctx.viewer?.user.id),
    ),

  // Answers that carry what their caller needs (issue 16). `get` is the article as RealWorld
  // defines it, with its Markdown source (what REST answers, and what the editor edits); `view`
  // is what the reading page shows, the source rendered to sanitised HTML instead. Both come from
  // the same cached read; each is about half of the two together for a long article.
  get: publicProcedure.input(getArticleInput).query(async ({ ctx, input }) => {
    const { bodyHtml: _rendered, ...article } = await readArticle(await readerOf(ctx), input.slug);
    return { article: article satisfies ArticleSource };
  }),

  view: publicProcedure.input(getArticleInput).query(async ({ ctx, input }) => {
    const { body: _source, ...article } = await readArticle(await readerOf(ctx), input.slug);
    return { article: article satisfies ArticleRendered };
  }),

  create: writerProcedure.input(createArticleInput).mutation(async ({ ctx, input }) => {
    const article = await createArticle(ctx.db, ctx.viewer.user.id, input);
    await invalidate(ctx.cache, ...membershipTags(ctx.viewer.user.id, article.tagList));
    return { article };
  }),

  update: writerProcedure
    .input(updateArticleInput)
    .mutation(async ({ ctx, input: { slug, ...changes } }) => {
      const article = await findArticle(ctx.db, slug);
      assertMayChange(ctx.viewer.user, article, 'edit');
      const { article: updated, tagsBefore } = await updateArticle(
        ctx.db,
        article,
        changes,
        ctx.viewer.user.id,
      );
      const tagLists = tagsBefore && { before: tagsBefore, after: updated.tagList };
      await invalidate(ctx.cache, ...editTags(article.id, tagLists));
      return { article: updated };
    }),

  delete: signedInProcedure.input(deleteArticleInput).mutation(async ({ ctx, input }) => {
    const viewer = ctx.viewer.user;
    const article = await findArticle(ctx.db, input.slug);
    assertMayChange(viewer, article, 'delete');
    let tagsBefore: string[];
    if (isAuthor(viewer, article)) {
      tagsBefore = await deleteArticle(ctx, article);
    } else {
      // A moderator removing someone else's work says why; the reason goes to the audit log.
      if (input.reason === undefined) {
        throw invalidFields({ reason: ["is required to remove someone else's article"] });
      }
      tagsBefore = await deleteArticle(ctx, article, {
        actorId: viewer.id,
        reason: input.reason,
      });
    }
    await invalidate(
      ctx.cache,
      articleTag(article.id),
      ...membershipTags(article.authorId, tagsBefore),
    );
    return { slug: article.slug };
  }),

  // The favorites count is part of every cached view of the article, and of the pages showing it.
  favorite: writerProcedure.input(favoriteArticleInput).mutation(async ({ ctx, input }) => {
    const { article, refs } = await favoriteArticle(ctx.db, ctx.viewer.user.id, input.slug);
    await invalidate(ctx.cache, articleTag(refs.id));
    return { article };
  }),

  unfavorite: writerProcedure.input(favoriteArticleInput).mutation(async ({ ctx, input }) => {
    const { article, refs } = await unfavoriteArticle(ctx.db, ctx.viewer.user.id, input.slug);
    await invalidate(ctx.cache, articleTag(refs.id));
    return { article };
  }),
} satisfies TRPCRouterRecord;
