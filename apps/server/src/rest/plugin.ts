/**
 * The public REST API at /api (the RealWorld "Conduit" spec), its OpenAPI document at
 * /api/openapi.json and the reference page at /docs.
 *
 * A thin adapter: each route validates RealWorld's envelope around the procedure's own input
 * schema, calls the tRPC procedure through an in-process caller (caller.ts), and reshapes the
 * answer; errors are mapped once (errors.ts). A new area is one more route module in `areas`.
 */
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { conditionalGet } from '../plugins/etag';
import { accountRoutes } from './accounts';
import { articleRoutes } from './articles';
import { type ProcedureContextOptions, type RestRouteOptions, restRouteOptions } from './caller';
import { commentRoutes } from './comments';
import { API_PREFIX, docsPageOptions, openApiOptions } from './docs';
import { useRealWorldErrors } from './errors';
import { leavingRoutes } from './leaving';
import { passkeyRoutes } from './passkeys';
import { profileRoutes } from './profiles';
import { searchRoutes } from './search';
import { tagRoutes } from './tags';
import { twoFactorRoutes } from './two-factor';
import { userRoutes } from './users';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The answer is about the signed-in user (or carries a token): never stored by a cache. */
    personal?: boolean;
  }
}

export interface RestPluginOptions extends ProcedureContextOptions {
  /**
   * Origins whose pages may call /api from the browser (CORS). Empty: no CORS headers at all.
   * Credentials are never allowed cross-origin: API clients send the token in a header.
   */
  corsOrigins?: string[];
}

/** One route module per area, each mounted under /api. */
const areas = [
  userRoutes,
  accountRoutes,
  twoFactorRoutes,
  passkeyRoutes,
  leavingRoutes,
  profileRoutes,
  articleRoutes,
  commentRoutes,
  tagRoutes,
  searchRoutes,
];

export const restPlugin: FastifyPluginAsync<RestPluginOptions> = async (app, opts) => {
  // Registered around the /api scope, so it sees (and documents) every route declared in it.
  await app.register(swagger, openApiOptions);
  await app.register(swaggerUi, docsPageOptions);
  await app.register(
    async (api) => {
      await mountApi(api, opts);
    },
    { prefix: API_PREFIX },
  );
};

async function mountApi(api: FastifyInstance, opts: RestPluginOptions): Promise<void> {
  api.setValidatorCompiler(validatorCompiler);
  api.setSerializerCompiler(serializerCompiler);
  useRealWorldErrors(api);
  acceptEmptyJsonBodies(api);

  const corsOrigins = opts.corsOrigins ?? [];
  if (corsOrigins.length > 0) {
    await api.register(cors, {
      origin: corsOrigins,
      credentials: false,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Requested-With'],
      exposedHeaders: ['Retry-After'],
      maxAge: 600,
    });
  }

  // A callback hook: an async one makes a promise and waits a turn for it on every answer.
  api.addHook('onSend', (request, reply, payload, done) => {
    // Answers about a signed-in user (a token was presented) or carrying a token are private.
    // Cookies are read directly: a request refused before they were parsed has none parsed.
    const credentials =
      request.headers.authorization !== undefined || request.cookies?.[opts.cookie.name];
    if (request.routeOptions.config?.personal || credentials) {
      reply.header('cache-control', 'no-store');
    }
    done(null, payload);
  });
  // After the hook above: public answers get an ETag and 304 on a match, private ones none.
  api.addHook('onSend', conditionalGet);

  api.get('/openapi.json', { schema: { hide: true } }, async () => api.swagger());

  const { corsOrigins: _cors, ...contextOptions } = opts;
  const routeOptions: RestRouteOptions = restRouteOptions(contextOptions);
  for (const area of areas) await api.register(area, routeOptions);
}

/**
 * Some RealWorld clients send `Content-Type: application/json` with no body on POST/DELETE
 * (follow, favorite): that is no body, not malformed JSON. Anything else goes to Fastify's own
 * parser, with its guards against prototype poisoning.
 */
function acceptEmptyJsonBodies(api: FastifyInstance): void {
  const parseJson = api.getDefaultJsonParser('error', 'error');
  api.removeContentTypeParser('application/json');
  api.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    // Fastify's default parser answers through `done`; it returns no promise worth waiting on.
    void parseJson(request, text, done);
  });
}
