// Beyond RealWorld: downloading one's data and deleting one's account (issue 14, decision 021),
// beside the spec's /user, as thin as the rest: the procedures do the work.
import { accountExportSchema, deleteAccountInput } from '@conduit/api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RestRouteOptions } from './caller';
import { envelope, failures, json, noContent, tokenRequired } from './schemas';

const tags = ['User and Authentication'];

/** A file name that says whose data and when, made only of characters every system accepts. */
function exportFileName(username: string, exportedAt: string): string {
  return `conduit-${username}-${exportedAt.slice(0, 10)}.json`;
}

export const leavingRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (
  app,
  { procedures },
) => {
  app.get(
    '/user/export',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'ExportCurrentUser',
        summary: 'Download my data',
        description: [
          'Everything Conduit holds about the signed-in user, as a JSON file to keep',
          '(`Content-Disposition: attachment`): profile, articles with their Markdown and tags,',
          'comments, favorites, the users followed, open sessions and recent sign-ins. Never a',
          'password, token or second-factor secret. At most 10 per hour; an account whose data',
          'passes 32 MiB answers 413.',
        ].join(' '),
        security: tokenRequired,
        response: {
          200: json('The account’s data', accountExportSchema),
          ...failures(401, 413, 429),
        },
      },
    },
    async (request, reply) => {
      const data = await procedures(request, reply).user.export();
      const name = exportFileName(data.profile.username, data.exportedAt);
      reply.header('content-disposition', `attachment; filename="${name}"`);
      return data;
    },
  );

  app.delete(
    '/user',
    {
      config: { personal: true },
      schema: {
        tags,
        operationId: 'DeleteCurrentUser',
        summary: 'Delete my account',
        description: [
          'Deletes the signed-in account for good, with everything it wrote (articles, comments),',
          'its favorites, follows and sessions; every token of it is refused from then on.',
          '`username` is the account’s own, typed again to confirm. Sensitive: within 10 minutes',
          'of signing in it goes through; later it also needs `currentPassword`. The only admin',
          'cannot leave (403).',
        ].join(' '),
        security: tokenRequired,
        body: envelope('user', deleteAccountInput),
        response: { 204: noContent, ...failures(401, 403, 422, 429) },
      },
    },
    async (request, reply) => {
      await procedures(request, reply).user.delete(request.body.user);
      return reply.status(204).send(null);
    },
  );
};
