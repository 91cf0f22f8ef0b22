// Articles and favorites: RealWorld's /articles, /articles/feed, /articles/{slug}[/favorite].
import {
  createArticleInput,
  deleteArticleInput,
  feedInput,
  getArticleInput,
  listArticlesInput,
  updateArticleInput,
} from '@conduit/api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RestRouteOptions } from './caller';
import {
  articleResponse,
  articlesResponse,
  envelope,
  failures,
  json,
  noContent,
  numberFromText,
  tokenOptional,
  tokenRequired,
} from './schemas';

const listFields = listArticlesInput.unwrap().shape;
const feedFields = feedInput.unwrap().shape;

/** RealWorld pages by `limit` and `offset` (the procedures' cursor is tRPC's). */
function pageQuery(fields: typeof feedFields) {
  return {
    limit: numberFromText(fields.limit.unwrap())
      .optional()
      .meta({ description: 'How many articles to return (1 to 100, 20 when left out).' }),
    offset: numberFromText(fields.offset.unwrap())
      .optional()
      .meta({ description: 'How many articles to skip (at most 10000).' }),
  };
}

const listQuery = z.object({
  tag: listFields.tag.meta({ description: 'Only articles with this tag' }),
  author: listFields.author.meta({ description: 'Only articles by this author (username)' }),
  favorited: listFields.favorited.meta({
    description: 'Only articles favorited by this user (username)',
  }),
  ...pageQuery(feedFields),
});

const feedQuery = z.object(pageQuery(feedFields));

const slugParams = getArticleInput;

/** Beyond the spec: a moderator removing someone else's article says why (audited). */
const deleteQuery = z.object({
  reason: deleteArticleInput.shape.reason.meta({
    description:
      "Required when a moderator or admin deletes someone else's article; authors need none.",
  }),
});

// Stripped, not strict: unknown fields (as some clients send) are dropped, never written.
const newArticle = envelope('article', createArticleInput.strip());
const articleChanges = envelope('article', updateArticleInput.omit({ slug: true }).strip());

const articleTags = ['Articles'];
const favoriteTags = ['Favorites'];

export const articleRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (
  app,
  { procedures },
) => {
  app.get(
    '/articles',
    {
      schema: {
        tags: articleTags,
        operationId: 'GetArticles',
        summary: 'Get recent articles globally',
        description: [
          'Newest first; filters combine. Auth is optional: `favorited` and `author.following`',
          "are the signed-in user's. List items carry no `body`, as the spec's list items.",
        ].join(' '),
        security: tokenOptional,
        querystring: listQuery,
        response: { 200: json('Multiple articles', articlesResponse), ...failures(401, 422) },
      },
    },
    async (request, reply) => {
      const { articles, articlesCount } = await procedures(request, reply).article.list(
        request.query,
      );
      return { articles, articlesCount };
    },
  );

  app.get(
    '/articles/feed',
    {
      config: { personal: true },
      schema: {
        tags: articleTags,
        operationId: 'GetArticlesFeed',
        summary: 'Get recent articles from users you follow',
        description: 'Newest first. List items carry no `body`.',
        security: tokenRequired,
        querystring: feedQuery,
        response: { 200: json('Multiple articles', articlesResponse), ...failures(401, 422) },
      },
    },
    async (request, reply) => {
      const { articles, articlesCount } = await procedures(request, reply).article.feed(
        request.query,
      );
      return { articles, articlesCount };
    },
  );

  app.get(
    '/articles/:slug',
    {
      schema: {
        tags: articleTags,
        operationId: 'GetArticle',
        summary: 'Get an article',
        description: 'Auth is optional.',
        security: tokenOptional,
        params: slugParams,
        response: { 200: json('Single article', articleResponse), ...failures(404, 422) },
      },
    },
    async (request, reply) => procedures(request, reply).article.get(request.params),
  );

  app.post(
    '/articles',
    {
      schema: {
        tags: articleTags,
        operationId: 'CreateArticle',
        summary: 'Create an article',
        description:
          '`tagList` may be left out. Tags are trimmed, lower-cased and deduplicated (at most 10).',
        security: tokenRequired,
        body: newArticle,
        response: { 201: json('Single article', articleResponse), ...failures(401, 403, 422) },
      },
    },
    async (request, reply) => {
      const answer = await procedures(request, reply).article.create(request.body.article);
      reply.status(201);
      return answer;
    },
  );

  app.put(
    '/articles/:slug',
    {
      schema: {
        tags: articleTags,
        operationId: 'UpdateArticle',
        summary: 'Update an article',
        description: [
          'Fields left out stay as they are; `tagList` (beyond the spec) replaces the whole list.',
          'By its author, or a moderator or admin. A new title may change the slug.',
        ].join(' '),
        security: tokenRequired,
        params: slugParams,
        body: articleChanges,
        response: {
          200: json('Single article', articleResponse),
          ...failures(401, 403, 404, 422),
        },
      },
    },
    async (request, reply) =>
      procedures(request, reply).article.update({
        ...request.body.article,
        slug: request.params.slug,
      }),
  );

  app.delete(
    '/articles/:slug',
    {
      schema: {
        tags: articleTags,
        operationId: 'DeleteArticle',
        summary: 'Delete an article',
        description: 'By its author, or a moderator or admin (who gives a `reason`).',
        security: tokenRequired,
        params: slugParams,
        querystring: deleteQuery,
        response: { 204: noContent, ...failures(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await procedures(request, reply).article.delete({ ...request.params, ...request.query });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/articles/:slug/favorite',
    {
      schema: {
        tags: favoriteTags,
        operationId: 'CreateArticleFavorite',
        summary: 'Favorite an article',
        description: 'Idempotent: favoriting twice counts once.',
        security: tokenRequired,
        params: slugParams,
        response: { 200: json('Single article', articleResponse), ...failures(401, 403, 404, 422) },
      },
    },
    async (request, reply) => procedures(request, reply).article.favorite(request.params),
  );

  app.delete(
    '/articles/:slug/favorite',
    {
      schema: {
        tags: favoriteTags,
        operationId: 'DeleteArticleFavorite',
        summary: 'Unfavorite an article',
        description: 'Idempotent.',
        security: tokenRequired,
        params: slugParams,
        response: { 200: json('Single article', articleResponse), ...failures(401, 403, 404, 422) },
      },
    },
    async (request, reply) => procedures(request, reply).article.unfavorite(request.params),
  );
};
