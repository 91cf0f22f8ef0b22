// Cross-site request forgery: a page on another origin must not be able to make a signed-in
// browser change anything. SameSite=Lax already keeps the cookie off cross-site POSTs; this checks
// where the request comes from, as browsers report it (Sec-Fetch-Site, Origin), for every
// state-changing request that carries the session cookie.
import { RequestRefusedError } from '@conduit/api';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasSessionCookie, type SessionCookieSettings } from './session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CsrfOptions {
  cookie: SessionCookieSettings;
  /** Other origins whose pages may send such requests (our own is always allowed). */
  allowedOrigins: string[];
}

/** Whether a browser says this request comes from a page we trust. */
export function fromTrustedOrigin(
  request: FastifyRequest,
  allowedOrigins: readonly string[],
): boolean {
  const site = request.headers['sec-fetch-site'];
  // The browser itself vouches: our own page, or the user typing / bookmarking.
  if (site === 'same-origin' || site === 'none') return true;
  const origin = request.headers.origin;
  // Neither header: not a browser we can vouch for (or one too old to say). OWASP's CSRF cheat
  // sheet blocks these; a client that is not a browser signs in with the header token instead.
  if (origin === undefined) return false;
  if (allowedOrigins.includes(origin)) return true;
  // Same origin reported by an older browser without Sec-Fetch-Site.
  // HTTP/2 (TLS_CERT_FILE) sends the host as :authority, not Host.
  const host = request.headers.host ?? request.headers[':authority'];
  return URL.canParse(origin) && new URL(origin).host === host;
}

export const csrfPlugin = fp<CsrfOptions>(
  async (app, opts) => {
    // A callback hook: an async one makes a promise and waits a turn for it on every request.
    app.addHook('onRequest', (request, _reply, done) => {
      if (SAFE_METHODS.has(request.method)) return done();
      // A token in a header is not ambient: a foreign page cannot make the browser send it.
      if (request.headers.authorization !== undefined) return done();
      if (!hasSessionCookie(request, opts.cookie)) return done();
      if (fromTrustedOrigin(request, opts.allowedOrigins)) return done();
      request.log.warn(
        { origin: request.headers.origin, site: request.headers['sec-fetch-site'] },
        'cross-origin request refused',
      );
      done(new RequestRefusedError('forbidden', 'Cross-origin request refused'));
    });
  },
  { name: 'csrf', dependencies: ['cookies'] },
);
