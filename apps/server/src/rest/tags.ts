// The tags in use, most used first: RealWorld's /tags.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RestRouteOptions } from './caller';
import { json, tagsResponse } from './schemas';

/** RealWorld has no paging for tags: the most the procedure gives (its default is 20). */
const TAGS_SHOWN = 100;

export const tagRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (app, { procedures }) => {
  app.get(
    '/tags',
    {
      schema: {
        tags: ['Tags'],
        operationId: 'GetTags',
        summary: 'Get tags',
        description: `The ${TAGS_SHOWN} most used tags, most used first.`,
        response: { 200: json('Tags', tagsResponse) },
      },
    },
    async (request, reply) => procedures(request, reply).tag.list({ limit: TAGS_SHOWN }),
  );
};
