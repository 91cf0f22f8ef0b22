// Serves the built web app (apps/web/dist) on the server's own origin: its hashed files cached for
// a year, its page always revalidated, and that page for every client route a browser asks for.
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from './errors';

export interface WebApp {
  /** The routes of the app's files, or, when it is not built, a notice at `/` (and one warning). */
  plugin: FastifyPluginAsync;
  /**
   * For the not-found handler: answers a browser's request for a client route (`/article/x`) with
   * the app's page, and returns whether it did.
   */
  servePage: (request: FastifyRequest, reply: FastifyReply) => boolean;
}

/** Vite names these after their content: a changed file is a new URL, so browsers keep them. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page names the current hashed files, so browsers must check it is still current. */
const REVALIDATE = 'no-cache';

/** A compressed copy of a built file, sent in its place, never asked for by name. */
const PRECOMPRESSED_COPY = /\.(?:br|gz)$/;

/** Paths that belong to the server: a miss there is a miss, never the app's page. */
const SERVER_PATHS = [
  '/api',
  '/trpc',
  '/docs',
  '/healthz',
  '/readyz',
  '/metrics',
  '/assets',
  '/avatars',
];

/** @param root the app's build folder (vite's outDir): index.html, root files, hashed assets/. */
export function webApp(root: string | URL): WebApp {
  const dir = typeof root === 'string' ? root : fileURLToPath(root);
  const assets = join(dir, 'assets') + sep;
  // Read once: after building the app for the first time, restart the server (`pnpm start` builds
  // before it starts).
  const built = existsSync(join(dir, 'index.html'));

  const plugin: FastifyPluginAsync = async (app) => {
    if (!built) {
      app.log.warn(
        { root: dir },
        'the web app is not built: / answers a notice (pnpm build, or pnpm start, builds it)',
      );
      app.get('/', (request, reply) => notBuilt(request, reply));
      return;
    }
    await app.register(fastifyStatic, {
      root: dir,
      // One route per file found at start, rather than a catch-all: every other path keeps its
      // own 404 (JSON, or RealWorld's under /api). A rebuild while running needs a restart.
      wildcard: false,
      // The page at / is a route of its own (below): @fastify/static's index with preCompressed
      // looks for a compressed copy of the page, which a page under 1 KiB does not get, and
      // answered 404 to any client that accepts an encoding but not explicitly HTML (curl).
      index: false,
      // The build writes a .br and a .gz copy of each text file at the strongest settings
      // (apps/web/vite-precompress.ts): sent as they are to browsers that accept them, a fifth
      // smaller than what the compression plugin makes on the fly. The copies have no URL of
      // their own.
      preCompressed: true,
      allowedPath: (path) => !PRECOMPRESSED_COPY.test(path),
      // Set by setHeaders instead: send's default (`max-age=0`) suits neither kind of file.
      cacheControl: false,
      setHeaders: (reply, path) => {
        reply.header('cache-control', path.startsWith(assets) ? IMMUTABLE : REVALIDATE);
      },
    });
    app.get('/', (_request, reply) => reply.sendFile('index.html'));
  };

  const servePage = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (!isClientRoute(request)) return false;
    // The same URL answers JSON to API clients: caches must keep the two apart.
    reply.header('vary', 'accept');
    if (!acceptsHtml(request)) return false;
    if (!built) {
      notBuilt(request, reply);
      return true;
    }
    reply.sendFile('index.html');
    return true;
  };

  return { plugin: fp(plugin, { name: 'web' }), servePage };
}

/** A GET or HEAD for a path the server does not own and that does not name a file. */
function isClientRoute(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '/';
  if (SERVER_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return false;
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  return !lastSegment.includes('.');
}

/**
 * Browsers navigating to a page name `text/html`; fetch(), curl (any type) and API clients do
 * not, and keep getting the JSON 404.
 */
function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    return type === 'text/html' && !params.some((param) => /^q=0(\.0*)?$/.test(param));
  });
}

const NOT_BUILT_MESSAGE =
  'The web app is not built. Run `pnpm start`, which builds it, or `pnpm build` and restart the ' +
  'server; in development `pnpm dev` serves it at http://127.0.0.1:5173. The API is up: /api, /trpc, /docs.';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Conduit: the web app is not built</title>
<h1>The web app is not built</h1>
<p>Run <code>pnpm start</code>, which builds it, or <code>pnpm build</code> and restart the server.
In development, <code>pnpm dev</code> serves it at <a href="http://127.0.0.1:5173/">http://127.0.0.1:5173</a>.</p>
<p>The API is up: <a href="/docs">/docs</a>, <code>/api</code>, <code>/trpc</code>.</p>
</html>
`;

/** 503: the page exists, this server just cannot serve it yet. */
function notBuilt(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.status(503).header('cache-control', 'no-store').header('vary', 'accept');
  if (acceptsHtml(request)) return reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
  return reply.send(errorBody(503, NOT_BUILT_MESSAGE));
}
