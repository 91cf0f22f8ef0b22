// Global per-client request limit: the first line against floods and scripted abuse of any route.
import { clientKey, RateLimitedError, type RateLimiter, type RateLimitResult } from '@conduit/api';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface RateLimitOptions {
  /** Where counts live: in process, or Redis so that every instance shares them. */
  limiter: RateLimiter;
  /** Requests per client per window; 0 turns the limit off. */
  max: number;
  windowMs: number;
  /** Paths never counted, compared without the query string (default `/healthz`, `/readyz`). */
  exempt?: string[];
}

/** Probes must keep answering under a flood, or the load balancer pulls a healthy instance. */
const DEFAULT_EXEMPT = ['/healthz', '/readyz'];
/** While the store is down every request fails open: one warning per interval, not one each. */
const WARN_INTERVAL_MS = 10_000;

const plugin: FastifyPluginAsync<RateLimitOptions> = async (app, options) => {
  const { limiter, max, windowMs } = options;
  // Off means off: no hook, so not even a lookup per request.
  if (max <= 0) return;
  const exempt = new Set(options.exempt ?? DEFAULT_EXEMPT);
  let lastWarningAt = Number.NEGATIVE_INFINITY;
  let unwarnedFailures = 0;

  // onRequest: refuse before the body is read or parsed, so a flood costs as little as possible.
  app.addHook('onRequest', async (request, reply) => {
    if (exempt.has(pathOf(request.url))) return;

    let result: RateLimitResult;
    try {
      // request.ip honours Fastify's trustProxy setting (configured in buildApp): X-Forwarded-For
      // is believed only from trusted proxies, so a client cannot pick a fresh address per request.
      result = await limiter.hit(clientKey(request.ip), max, windowMs);
    } catch (error) {
      // Fail open: an outage of the shared store must not take the whole site down with it.
      unwarnedFailures += 1;
      const at = Date.now();
      if (at - lastWarningAt >= WARN_INTERVAL_MS) {
        request.log.warn(
          { err: error, failures: unwarnedFailures },
          'rate limiter unavailable; requests let through uncounted',
        );
        lastWarningAt = at;
        unwarnedFailures = 0;
      }
      return;
    }

    const resetSeconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    // Well-behaved clients can slow down before they are refused.
    reply.header('ratelimit-limit', max);
    reply.header('ratelimit-remaining', result.remaining);
    reply.header('ratelimit-reset', resetSeconds);
    if (result.allowed) return;

    // Rendered by the scope's error handler: the app's JSON, or RealWorld's under /api.
    throw new RateLimitedError(result.retryAfterMs, 'requests');
  });
};

/** Registered with fastify-plugin so the hook applies to every route of the app. */
export const rateLimitPlugin = fp(plugin, { name: 'rate-limit' });

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
