// Where a request's session token comes from, and how the browser's session cookie is written.
import cookie from '@fastify/cookie';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface SessionCookieSettings {
  name: string;
  secure: boolean;
}

/**
 * In production the cookie is `Secure` with the `__Host-` prefix: browsers then refuse it unless
 * it was set over HTTPS, for Path=/ and without a Domain, so no sibling subdomain can plant or
 * overwrite it (session fixation). HttpOnly keeps it from scripts (XSS cannot read the token);
 * SameSite=Lax keeps it off cross-site subrequests and form posts (first line against CSRF).
 */
export function sessionCookieSettings(production: boolean): SessionCookieSettings {
  return production
    ? { name: '__Host-conduit_session', secure: true }
    : { name: 'conduit_session', secure: false };
}

const AUTHORIZATION = /^(?:Token|Bearer) +([\x21-\x7e]{1,512})$/i;

/**
 * The token the request presents: the Authorization header (`Token <t>` or `Bearer <t>`) for API
 * clients, else the session cookie. Never a query string or a form field, which leak into logs,
 * history and Referer headers.
 */
export function presentedSessionToken(
  request: FastifyRequest,
  settings: SessionCookieSettings,
): { value: string; from: 'cookie' | 'header' } | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = AUTHORIZATION.exec(header.trim());
    // A malformed header is an invalid credential, not a reason to fall back on the cookie.
    return { value: match?.[1] ?? '', from: 'header' };
  }
  const fromCookie = request.cookies[settings.name];
  return fromCookie ? { value: fromCookie, from: 'cookie' } : undefined;
}

export function hasSessionCookie(
  request: FastifyRequest,
  settings: SessionCookieSettings,
): boolean {
  return Boolean(request.cookies[settings.name]);
}

export function sessionCookieWriter(reply: FastifyReply, settings: SessionCookieSettings) {
  const options = { path: '/', httpOnly: true, sameSite: 'lax', secure: settings.secure } as const;
  return {
    set(token: string, expiresAt: Date) {
      reply.setCookie(settings.name, token, { ...options, expires: expiresAt });
    },
    clear() {
      reply.clearCookie(settings.name, options);
    },
  };
}

export const cookiePlugin: FastifyPluginAsync = fp(
  async (app) => {
    await app.register(cookie);
  },
  { name: 'cookies' },
);
