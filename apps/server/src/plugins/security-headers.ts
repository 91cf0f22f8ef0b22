// Response headers that tell browsers to shut out whole classes of attack, on every response:
// the whole set on pages and what the browser may run or show, a lean set on API answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

export interface SecurityHeadersOptions {
  /** Served over HTTPS: adds HSTS and upgrade-insecure-requests, which would break plain-HTTP dev. */
  production: boolean;
}

const ONE_YEAR_S = 365 * 24 * 60 * 60;

/**
 * Every header is set explicitly rather than taken from helmet's defaults, so what we send is
 * what this file says, whatever a helmet upgrade changes.
 */
const helmetOptions = (production: boolean): HelmetOptions => ({
  // Content-Security-Policy: the browser runs and loads only what this origin serves, so an
  // injected <script> or inline handler (stored XSS that slipped past the sanitiser) is inert.
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      // No 'unsafe-inline' or 'unsafe-eval': inline scripts, handlers and eval() never run.
      'script-src': ["'self'"],
      // No inline <style>: injected CSS cannot restyle the page or exfiltrate by selectors.
      'style-src': ["'self'"],
      // Article and avatar images are user-supplied https URLs; never plain http (mixed content).
      'img-src': ["'self'", 'https:', 'data:'],
      'font-src': ["'self'"],
      // fetch/XHR/EventSource only to this origin: stolen data has nowhere to be sent.
      'connect-src': ["'self'"],
      // No plugins (Flash, Java, PDF embeds) as a way to run code.
      'object-src': ["'none'"],
      // No <base> tag: injected markup cannot re-point the page's relative URLs elsewhere.
      'base-uri': ["'none'"],
      // No site may frame ours: defends against clickjacking (modern browsers).
      'frame-ancestors': ["'none'"],
      // Forms post only here: injected forms cannot send typed passwords to another site.
      'form-action': ["'self'"],
      // Production only (HTTPS): any http:// subresource is fetched over https instead.
      ...(production ? { 'upgrade-insecure-requests': [] } : {}),
    },
  },
  // Strict-Transport-Security: after one visit the browser uses only HTTPS for a year, so a
  // network attacker cannot strip TLS. Only in production: it would lock dev browsers out of
  // http://localhost. No `preload`: that is a commitment to make per domain, not in code.
  strictTransportSecurity: production
    ? { maxAge: ONE_YEAR_S, includeSubDomains: true, preload: false }
    : false,
  // X-Content-Type-Options: nosniff. Browsers take the declared type, so a JSON answer or an
  // uploaded text never gets executed as a script or rendered as HTML (MIME confusion).
  xContentTypeOptions: true,
  // X-Frame-Options: DENY. Clickjacking defence for browsers that predate frame-ancestors.
  xFrameOptions: { action: 'deny' },
  // Referrer-Policy: strict-origin-when-cross-origin. Other sites see only our origin (never
  // article paths or query strings) and nothing over HTTPS to HTTP. Not no-referrer: with it
  // browsers send `Origin: null` on same-origin non-GET requests, which defeats Origin checks
  // against CSRF.
  referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  // Cross-Origin-Opener-Policy: same-origin. A page we open, or that opens us, gets no handle on
  // our window (tabnabbing, cross-window leaks such as XS-Leaks and Spectre-style reads).
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  // Cross-Origin-Resource-Policy: same-origin. Other sites cannot embed our responses with
  // <img>/<script> (no-cors) and read them by side channels. CORS fetches to /api are unaffected.
  crossOriginResourcePolicy: { policy: 'same-origin' },
  // Cross-Origin-Embedder-Policy stays off: require-corp would block the user-supplied
  // https images that articles and avatars show.
  crossOriginEmbedderPolicy: false,
  // Origin-Agent-Cluster: ?1. Our pages get their own process where the browser can, out of
  // reach of same-site pages (Spectre-style reads).
  originAgentCluster: true,
  // X-DNS-Prefetch-Control: off. Links in articles are not resolved in advance, which would tell
  // their DNS servers who reads what.
  xDnsPrefetchControl: { allow: false },
  // X-Download-Options: noopen. Old IE would open downloads in our site's context.
  xDownloadOptions: true,
  // X-Permitted-Cross-Domain-Policies: none. Flash/PDF readers may not load data across domains.
  xPermittedCrossDomainPolicies: { permittedPolicies: 'none' },
  // true removes X-Powered-By: no free hint for attackers matching exploits to frameworks.
  xPoweredBy: true,
  // X-XSS-Protection: 0. Turns off old browsers' XSS auditor, which itself enabled leaks; CSP
  // is the defence.
  xXssProtection: true,
});

/**
 * The headers helmet sets with these options, worked out once. They are the same for every
 * response, and @fastify/helmet rebuilt helmet (parsing the whole policy) on every request: a
 * few per cent of a cached read's time.
 */
export function securityHeaders(production: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let done = false;
  helmet(helmetOptions(production))(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
      done = true;
    },
  );
  // helmet's middleware is synchronous; if a version ever is not, fail at start, not silently.
  if (!done) throw new Error('helmet did not finish synchronously');
  return headers;
}

/**
 * What still applies to an API answer (JSON, an event stream), which a browser never renders as
 * a page, runs, or loads subresources for: the page policies (script and style sources,
 * referrer, opener, agent cluster, DNS prefetch, download, XSS auditor) have nothing to act on.
 * Kept, as OWASP's REST Security Cheat Sheet lists them: nosniff (the declared type is final),
 * no framing (both headers), no use by another site's <img>/<script> (CORP), HSTS, and a CSP that
 * allows nothing, for the case someone opens the answer as a document anyway. 232 bytes in
 * production instead of 644, on every answer of the API.
 */
export function apiSecurityHeaders(production: boolean): Record<string, string> {
  const all = securityHeaders(production);
  const kept = [
    'x-content-type-options',
    'x-frame-options',
    'cross-origin-resource-policy',
    'strict-transport-security',
  ];
  const headers: Record<string, string> = {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  };
  for (const name of kept) {
    const value = all[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** Content types that are answers of the API, not pages or files a browser shows or runs. */
const API_TYPES = /^(application\/json|text\/event-stream)\b/i;

const plugin: FastifyPluginAsync<SecurityHeadersOptions> = async (app, { production }) => {
  const page = securityHeaders(production);
  const api = apiSecurityHeaders(production);
  // On send, when the content type is known. Anything else (a page, a script, an image, an
  // answer without a type such as a 304) gets the whole set: a worker script takes its policy
  // from its own response, and a 304 updates the headers of what the browser stored. A header
  // the route set itself stays (the drawn avatars' own CSP and cross-origin resource policy).
  const pageEntries = Object.entries(page);
  const apiEntries = Object.entries(api);
  app.addHook('onSend', (_request, reply, payload, next) => {
    // An event stream is still tRPC's Response here, its type inside it.
    const type =
      payload instanceof Response
        ? payload.headers.get('content-type')
        : reply.getHeader('content-type');
    const entries = typeof type === 'string' && API_TYPES.test(type) ? apiEntries : pageEntries;
    for (const [name, value] of entries) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    next(null, payload);
  });
};

/** Registered with fastify-plugin so the headers apply to every route, 404s and errors included. */
export const securityHeadersPlugin = fp(plugin, { name: 'security-headers' });
