// The pictures the site draws for a seed (decision 033): what the demo data gives seeded users, so
// no page loads a picture from a third party. Any seed is drawn, on demand: it costs a hash, and the
// answer is cached by browsers for good.
import { AVATAR_ROUTE, AVATAR_SEED } from '@conduit/db';
import type { FastifyPluginAsync } from 'fastify';
import { drawAvatar } from '../avatars/draw';
import { errorBody } from './errors';

/** The drawing for a seed never changes (a new way of drawing gets a new path). */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export const avatarsPlugin: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { file: string } }>(AVATAR_ROUTE, async (request, reply) => {
    const seed = request.params.file.match(/^(.*)\.svg$/)?.[1];
    if (seed === undefined || !AVATAR_SEED.test(seed)) {
      return reply
        .status(404)
        .send(
          errorBody(404, 'No such avatar: a seed is 1 to 64 letters, digits, _ or -, then .svg'),
        );
    }
    return (
      reply
        .type('image/svg+xml')
        .header('cache-control', IMMUTABLE)
        // RealWorld front ends on other origins show these too (`image` is a URL to them): the
        // site-wide same-origin resource policy would block their <img>.
        .header('cross-origin-resource-policy', 'cross-origin')
        // Opened on its own, the SVG is a document: it may load and run nothing at all.
        .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
        .send(drawAvatar(seed))
    );
  });
};
