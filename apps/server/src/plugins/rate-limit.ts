// Global per-client request limit: the first line against floods and scripted abuse of any route.
import { isIPv6 } from 'node:net';
import type { RateLimiter, RateLimitResult } from '@conduit/api';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from './errors';

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

    reply.header('retry-after', resetSeconds);
    return reply.code(429).send(errorBody(429, `Too many requests, retry in ${resetSeconds} s`));
  });
};

/** Registered with fastify-plugin so the hook applies to every route of the app. */
export const rateLimitPlugin = fp(plugin, { name: 'rate-limit' });

/**
 * The key a client is counted under: `ip:<address>` for IPv4. One IPv6 user usually holds a
 * whole /64 (2^64 addresses) and could use a new one per request, so IPv6 counts per /64.
 * IPv4-mapped addresses (`::ffff:1.2.3.4`, seen when listening on `::`) count as the IPv4 one.
 */
export function clientKey(ip: string): string {
  if (!isIPv6(ip)) return `ip:${ip}`;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) return `ip:${mapped[1]}`;
  return `ip:${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(ip: string): string[] {
  let address = ip.split('%', 1)[0] ?? ip; // a zone id (fe80::1%eth0) is not part of the address
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (dotted) {
    // An embedded IPv4 tail (64:ff9b::1.2.3.4) stands for the last two groups.
    const [a, b, c, d] = dotted.slice(1).map(Number);
    const hex = (high = 0, low = 0) => ((high << 8) | low).toString(16);
    address = `${address.slice(0, dotted.index)}${hex(a, b)}:${hex(c, d)}`;
  }
  const [head = '', tail] = address.split('::');
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const headGroups = split(head);
  const tailGroups = tail === undefined ? [] : split(tail);
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16).toString(16));
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
