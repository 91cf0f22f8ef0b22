// The OpenAPI 3.1 document, generated from the REST routes' zod schemas, and the interactive
// reference page at /docs, served from the swagger-ui package itself (no CDN).
import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export const API_PREFIX = '/api';
export const DOCS_PREFIX = '/docs';

export const openApiOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Conduit API',
      version: '1.0.0',
      description: [
        'The public REST API of Conduit, following the RealWorld "Conduit" API spec (1.1.0):',
        'same paths, shapes, status codes and `{"errors":{"body":[...]}}` error format.',
        'Authenticate with `Authorization: Token <token>` (or `Bearer <token>`), the token',
        'that registering or signing in returns.',
      ].join(' '),
    },
    // Paths are listed as the spec lists them (`/users/login`), under this base.
    servers: [{ url: API_PREFIX }],
    tags: [
      { name: 'User and Authentication' },
      { name: 'Accounts', description: 'Beyond the spec: password reset and email links' },
      { name: 'Profile' },
      { name: 'Articles' },
      { name: 'Comments' },
      { name: 'Favorites' },
      { name: 'Tags' },
    ],
    components: {
      securitySchemes: {
        Token: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'The value `Token <token>` (or `Bearer <token>`): a session token from signing in, or a personal access token (`cdt_...`, made in the settings), which reads within its scope and writes with scope write, never account or security changes.',
        },
      },
    },
  },
  transform: jsonSchemaTransform,
  transformObject: (document) => withoutUnusedSchemas(jsonSchemaTransformObject(document)),
};

export const docsPageOptions: FastifySwaggerUiOptions = {
  routePrefix: DOCS_PREFIX,
  theme: { title: 'Conduit API reference' },
  uiConfig: {
    // Without the standalone top bar: its logo is an SVG with an inline <style>, which our CSP
    // (style-src 'self') refuses, and its "Explore" box loads foreign documents into the page.
    layout: 'BaseLayout',
    deepLinking: true,
    displayRequestDuration: true,
  },
};

type Document = ReturnType<typeof jsonSchemaTransformObject>;

interface WithSchemas {
  components?: { schemas?: Record<string, unknown> };
}

/**
 * The zod transform emits an input and an output variant of every named schema (`User`,
 * `UserInput`, ...); only the ones some operation refers to belong in the document.
 */
function withoutUnusedSchemas(document: Document): Document {
  const { components, ...rest } = document as WithSchemas;
  const schemas = components?.schemas ?? {};
  const kept = new Set<string>();
  let pending = referencedSchemas(rest);
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (kept.has(name) || !(name in schemas)) continue;
    kept.add(name);
    pending = pending.concat(referencedSchemas(schemas[name]));
  }
  return {
    ...document,
    components: {
      ...components,
      schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => kept.has(name))),
    },
  } as Document;
}

function referencedSchemas(value: unknown): string[] {
  const refs = JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g);
  return [...refs].map((match) => match[1] as string);
}
