// Comments on an article: RealWorld's /articles/{slug}/comments[/{id}].
import {
  COMMENT_PAGE_SIZE_MAX,
  commentIdSchema,
  createCommentInput,
  deleteCommentInput,
  getArticleInput,
} from '@conduit/api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RestRouteOptions } from './caller';
import {
  commentResponse,
  commentsResponse,
  envelope,
  failures,
  json,
  noContent,
  numberFromText,
  tokenOptional,
  tokenRequired,
} from './schemas';

const tags = ['Comments'];

const slugParams = getArticleInput;
const commentParams = z.object({
  slug: getArticleInput.shape.slug,
  id: numberFromText(commentIdSchema, 'must be a comment id'),
});

/** Beyond the spec: a moderator removing someone else's comment says why (audited). */
const deleteQuery = z.object({
  reason: deleteCommentInput.shape.reason.meta({
    description:
      "Required when a moderator or admin deletes someone else's comment; authors need none.",
  }),
});

// Stripped, not strict: unknown fields are dropped, never written.
const newComment = envelope('comment', createCommentInput.omit({ slug: true }).strip());

export const commentRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (
  app,
  { procedures },
) => {
  app.get(
    '/articles/:slug/comments',
    {
      schema: {
        tags,
        operationId: 'GetArticleComments',
        summary: 'Get comments for an article',
        description: [
          `Oldest first. RealWorld has no paging for comments: this is the first page of up to`,
          `${COMMENT_PAGE_SIZE_MAX} comments (the tRPC procedure \`comment.list\` pages further`,
          'with a cursor). Auth is optional: `author.following` is the signed-in user’s.',
        ].join(' '),
        security: tokenOptional,
        params: slugParams,
        response: {
          200: json('Multiple comments', commentsResponse),
          ...failures(401, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const { comments } = await procedures(request, reply).comment.list({
        slug: request.params.slug,
        limit: COMMENT_PAGE_SIZE_MAX,
      });
      return { comments };
    },
  );

  app.post(
    '/articles/:slug/comments',
    {
      schema: {
        tags,
        operationId: 'CreateArticleComment',
        summary: 'Create a comment for an article',
        description: 'The body is trimmed; at most 10000 characters.',
        security: tokenRequired,
        params: slugParams,
        body: newComment,
        response: { 200: json('Single comment', commentResponse), ...failures(401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      procedures(request, reply).comment.create({
        slug: request.params.slug,
        body: request.body.comment.body,
      }),
  );

  app.delete(
    '/articles/:slug/comments/:id',
    {
      schema: {
        tags,
        operationId: 'DeleteArticleComment',
        summary: 'Delete a comment for an article',
        description: 'By its author, or a moderator or admin (who gives a `reason`).',
        security: tokenRequired,
        params: commentParams,
        querystring: deleteQuery,
        response: { 204: noContent, ...failures(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await procedures(request, reply).comment.delete({ ...request.params, ...request.query });
      return reply.status(204).send(null);
    },
  );
};
