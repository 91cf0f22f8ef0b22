// Full-text search over articles (decision 030): beyond the RealWorld spec, beside its routes.
import {
  SEARCH_MATCHES_RANKED,
  SEARCH_PAGE_SIZE_MAX,
  SEARCH_QUERY_MAX_LENGTH,
  searchArticlesInput,
  snippetPartSchema,
} from '@conduit/api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RestRouteOptions } from './caller';
import { articleListItemSchema, failures, json, numberFromText, tokenOptional } from './schemas';

const fields = searchArticlesInput.shape;

const searchQuery = z.object({
  q: fields.q.meta({
    description: `What to look for, in web-search syntax: words, "a phrase", \`or\`, \`-word\` (at most ${SEARCH_QUERY_MAX_LENGTH} characters, with a letter or digit).`,
  }),
  limit: numberFromText(fields.limit.unwrap())
    .optional()
    .meta({
      description: `How many articles to return (1 to ${SEARCH_PAGE_SIZE_MAX}, 20 when left out).`,
    }),
  offset: numberFromText(fields.offset.unwrap())
    .optional()
    .meta({ description: `How many articles to skip (at most ${SEARCH_MATCHES_RANKED}).` }),
});

const searchResponse = z.object({
  articles: z.array(
    articleListItemSchema.extend({
      snippet: z.array(snippetPartSchema).meta({
        description:
          'Text around the words that matched, in parts; `highlighted` parts matched. Plain text, not HTML.',
      }),
    }),
  ),
  articlesCount: z
    .number()
    .int()
    .meta({ description: `How many articles match, counted up to ${SEARCH_MATCHES_RANKED}` }),
  moreMatches: z
    .boolean()
    .meta({ description: 'More articles match than were counted: narrow the query to see them' }),
});

export const searchRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (
  app,
  { procedures },
) => {
  app.get(
    '/search',
    {
      schema: {
        tags: ['Search'],
        operationId: 'SearchArticles',
        summary: 'Search articles',
        description: [
          'Full-text search over titles, descriptions, tags and bodies, best match first (a match in',
          `the title weighs most, then description and tags, then body). At most ${SEARCH_MATCHES_RANKED}`,
          'matches are ranked. Auth is optional: `favorited` and `author.following` are the',
          "signed-in user's.",
        ].join(' '),
        security: tokenOptional,
        querystring: searchQuery,
        response: { 200: json('Matching articles', searchResponse), ...failures(422) },
      },
    },
    async (request, reply) => procedures(request, reply).article.search(request.query),
  );
};
