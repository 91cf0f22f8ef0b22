// Profiles, and following their owners: RealWorld's /profiles/{username}[/follow].
import { profileInput } from '@conduit/api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RestRouteOptions } from './caller';
import { failures, json, profileResponse, tokenOptional, tokenRequired } from './schemas';

const tags = ['Profile'];

export const profileRoutes: FastifyPluginAsyncZod<RestRouteOptions> = async (
  app,
  { procedures },
) => {
  app.get(
    '/profiles/:username',
    {
      schema: {
        tags,
        operationId: 'GetProfileByUsername',
        summary: 'Get a profile',
        description: 'Auth is optional: `following` tells whether the signed-in user follows them.',
        security: tokenOptional,
        params: profileInput,
        response: { 200: json('Profile', profileResponse), ...failures(404, 422) },
      },
    },
    async (request, reply) => procedures(request, reply).profile.get(request.params),
  );

  app.post(
    '/profiles/:username/follow',
    {
      schema: {
        tags,
        operationId: 'FollowUserByUsername',
        summary: 'Follow a user',
        description: 'Idempotent. Following yourself is refused.',
        security: tokenRequired,
        params: profileInput,
        response: { 200: json('Profile', profileResponse), ...failures(401, 403, 404, 422) },
      },
    },
    async (request, reply) => procedures(request, reply).profile.follow(request.params),
  );

  app.delete(
    '/profiles/:username/follow',
    {
      schema: {
        tags,
        operationId: 'UnfollowUserByUsername',
        summary: 'Unfollow a user',
        description: 'Idempotent.',
        security: tokenRequired,
        params: profileInput,
        response: { 200: json('Profile', profileResponse), ...failures(401, 403, 404, 422) },
      },
    },
    async (request, reply) => procedures(request, reply).profile.unfollow(request.params),
  );
};
