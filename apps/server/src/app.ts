// Builds the HTTP application without listening: main.ts listens, tests use app.inject().
import { randomUUID } from 'node:crypto';
import type { Http2SecureServer } from 'node:http2';
import {
  type CacheStore,
  classifyFailure,
  createCommentEvents,
  createMemoryCache,
  createMemoryWritePositions,
  createNoCache,
  forgetSessionsEndedElsewhere,
  purgeExpiredChallenges,
  type RateLimiter,
  type ReadRouting,
  RequestRefusedError,
  routeReads,
  unsharedWritePositions,
} from '@conduit/api';
import {
  purgeAccessTokens,
  purgeAccountTokens,
  purgeExpiredSessions,
  verifyAgainstDummy,
} from '@conduit/auth';
import { createDb, type DbConnection } from '@conduit/db';
import Fastify, {
  type FastifyError,
  type FastifyHttp2SecureOptions,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { Redis } from 'ioredis';
import { openRedisBus } from './cache/bus';
import { createRedisCache } from './cache/redis';
import type { Config } from './config';
import type { SharedContextOptions } from './context';
import { createMemoryLimiter } from './limits/memory';
import { createRedisLimiter, FAIL_FAST_REDIS_OPTIONS } from './limits/redis';
import { AccessLog } from './logging/access-log';
import { censorLine } from './logging/censor-line';
import { standardOutput } from './logging/destination';
import { serializeRequest } from './logging/redact';
import { startMailDelivery } from './mail';
import { devOutboxPage } from './mail-dev-page';
import { answerCachePlugin } from './plugins/answer-cache';
import { avatarsPlugin } from './plugins/avatars';
import { compressionPlugin } from './plugins/compression';
import { csrfPlugin } from './plugins/csrf';
import { errorsPlugin, sendAppFailure } from './plugins/errors';
import { healthPlugin } from './plugins/health';
import { metricsPlugin } from './plugins/metrics';
import { rateLimitPlugin } from './plugins/rate-limit';
import { securityHeadersPlugin } from './plugins/security-headers';
import { cookiePlugin, sessionCookieSettings } from './plugins/session';
import { trpcPlugin } from './plugins/trpc';
import { webApp } from './plugins/web';
import { queryStringParser } from './query-string';
import { createRedisWritePositions } from './replicas/redis-positions';
import { API_PREFIX } from './rest/docs';
import { failureOf, sendFailure } from './rest/errors';
import { restPlugin } from './rest/plugin';
import { redisStartupError } from './startup-failure';
import { traceRedisCommands } from './telemetry/redis';
import { traceFields, traceRequests } from './telemetry/request-span';
import { readTlsFiles } from './tls';

export interface AppDeps {
  /**
   * An open, migrated database. When given, the caller owns it (tests share one per worker);
   * otherwise the app opens one from the configuration, migrates it and closes it on close.
   */
  database?: DbConnection;
  /** Rate-limit counters; by default from the configuration (Redis or in process). */
  limiter?: RateLimiter;
  /** Hot-read cache; by default from the configuration (Redis, in process, or none). */
  cache?: CacheStore;
  /** Where log lines go (default stdout); tests read them. */
  logStream?: { write(line: string): void };
  /** The built web app's folder; by default apps/web/dist (see WEB_ROOT). */
  webRoot?: string | URL;
}

/**
 * apps/web/dist, the web app's build. The same relative path from apps/server/src (this file, run
 * from source) and from apps/server/dist (the bundle `pnpm start` runs).
 */
export const WEB_ROOT = new URL('../../web/dist/', import.meta.url);

/** Incoming request ids are kept (to follow a request through a proxy) only when they look like ids. */
const REQUEST_ID = /^[\w.-]{1,64}$/;

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const tls = config.tls ? await readTlsFiles(config.tls) : undefined;
  const options = {
    logger: {
      level: config.logLevel,
      // Credentials never reach the logs, whatever a future log line includes: not in headers or
      // body fields (logging/censor-line.ts), nor the query string of a logged URL (redact.ts).
      hooks: { streamWrite: censorLine },
      serializers: { req: serializeRequest },
      // A traced request's lines carry its trace id (telemetry/request-span.ts).
      ...(config.tracing ? { mixin: traceFields } : {}),
      stream: deps.logStream ?? standardOutput(),
    },
    // One line per request, when it is answered (logging/access-log.ts).
    logController: new AccessLog(),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    bodyLimit: config.bodyLimitBytes,
    // X-Forwarded-For is believed only from these proxies; otherwise anyone could pick their IP
    // and walk around every per-IP limit.
    trustProxy: config.trustProxy,
    requestTimeout: config.requestTimeoutMs,
    // Stopping, requests still arriving on open keep-alive connections are answered, not refused
    // with a 503 (Fastify's default): under WORKERS nobody would retry them elsewhere. Fastify
    // marks each such answer `Connection: close`, so clients reconnect to a process that stays.
    return503OnClosing: false,
    // tRPC batches name every procedure in the path ("tag.list,article.list,...").
    // Parsed query strings are kept by their text (query-string.ts).
    routerOptions: { maxParamLength: 5000, querystringParser: queryStringParser() },
    // A path that does not decode (bytes that are not UTF-8) or is too long is refused before any
    // route: in the surface's own error shape, as every other refusal.
    frameworkErrors: refuseMalformedUrl,
  } satisfies FastifyServerOptions;
  // With TLS, HTTP/2 (and HTTP/1.1 for clients that do not offer it). Node's compatibility API
  // gives the plugins the same request and reply they get over HTTP/1.1, hence the one type.
  const app = tls
    ? (Fastify({
        ...options,
        http2: true,
        https: { ...tls, allowHTTP1: true },
      } as unknown as FastifyHttp2SecureOptions<Http2SecureServer>) as unknown as FastifyInstance)
    : Fastify(options);

  if (config.tracing) traceRequests(app);

  const database = deps.database ?? (await openDatabase(config, app));
  if (!deps.database) app.addHook('onClose', () => database.close());

  housekeepSessions(app, database);
  // What queueMail() leaves in the outbox goes out from here, in the background (mail.ts).
  const mail = startMailDelivery(app, config, database);

  // Live comments: one LISTEN for the process. Open event streams would hold app.close() up
  // forever, so they are ended before the server stops taking requests, and a stream asked for
  // while stopping (a reader reconnecting on a kept-alive connection) is refused at once: the
  // reader retries, and lands on a process that stays.
  const commentEvents = createCommentEvents(database, config.live);
  let stopping = false;
  app.addHook('preClose', () => {
    stopping = true;
    return commentEvents.close();
  });
  // Callback hooks, as every hook on the way of a cached answer: an async one makes a promise and
  // waits a turn for it on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    if (stopping && request.headers.accept?.includes('text/event-stream')) {
      return done(new RequestRefusedError('unavailable', 'This server is stopping: reconnect', 1));
    }
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });

  const production = config.env === 'production';
  const cookie = sessionCookieSettings(production);
  const redis = await openRedis(config, app);
  const limiter = deps.limiter ?? openLimiter(redis, app);
  const cache = deps.cache ?? (await openCache(config, redis, app));
  // Sessions the admin CLI ends are announced through the database: their copies go at once.
  const unlistenEndedSessions = await forgetSessionsEndedElsewhere(database, cache, (error) =>
    app.log.warn(
      { err: error },
      'not hearing of sessions ended elsewhere until the database answers',
    ),
  );
  app.addHook('preClose', unlistenEndedSessions);

  // The web app: its files, and its page for the client routes no server route matches.
  const web = webApp(deps.webRoot ?? WEB_ROOT);
  await app.register(errorsPlugin, { pages: web.servePage });
  // Before any route: compression attaches to each route as it is declared.
  await app.register(compressionPlugin);
  await app.register(metricsPlugin, {
    token: config.metricsToken,
    commentEvents,
    cache,
    database,
    mail,
  });
  await app.register(securityHeadersPlugin, { production });
  await app.register(rateLimitPlugin, { limiter, ...config.limits.global });
  // After the rate limit: a kept answer to an anonymous read is served from here (decision 043).
  await app.register(answerCachePlugin, { answers: cache.answers, sessionCookie: cookie.name });
  await app.register(cookiePlugin);
  await app.register(csrfPlugin, { cookie, allowedOrigins: config.allowedOrigins });
  await app.register(healthPlugin, { database });
  // What both surfaces build each request's procedure context from (context.ts).
  const procedures: SharedContextOptions = {
    db: database.db,
    readRouting: readRoutingOf(config, database, redis, app),
    cookie,
    limiter,
    limits: config.limits,
    commentEvents,
    cache,
    accounts: config.accounts,
  };
  await app.register(trpcPlugin, {
    prefix: '/trpc',
    ...procedures,
    maxBatchSize: config.trpcMaxBatchSize,
    transport: config.trpcTransport,
    exposeErrors: config.env === 'development',
  });
  await app.register(restPlugin, { ...procedures, corsOrigins: config.corsOrigins });
  // Development only: the mail the development outbox kept, for a browser on this machine.
  if (config.env === 'development') await app.register(devOutboxPage, { db: database.db });
  await app.register(avatarsPlugin);
  await app.register(web.plugin);
  return app;
}

/** Fastify's own refusals before routing (a path that is not UTF-8, a parameter too long). */
function refuseMalformedUrl(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // Under /api, RealWorld's status (422 for a request it cannot take) and shape.
  if (request.url === API_PREFIX || request.url.startsWith(`${API_PREFIX}/`)) {
    sendFailure(reply, failureOf(error));
    return;
  }
  sendAppFailure(reply, classifyFailure(error));
}

const HOUR = 3_600_000;

/**
 * Expired sessions are refused when presented and deleted then; this also deletes the ones never
 * presented again, at start and hourly, and the mailed links, pending sign-ins and passkey
 * challenges past use, and personal access tokens a month after they expired or were revoked.
 * Computing the dummy password hash at start keeps the first unknown-email login as slow as the
 * others.
 */
function housekeepSessions(app: FastifyInstance, database: DbConnection): void {
  const purge = async () => {
    try {
      const purged = await purgeExpiredSessions(database.db);
      if (purged > 0) app.log.info({ purged }, 'expired sessions purged');
      const tokens = await purgeAccountTokens(database.db);
      if (tokens > 0) app.log.info({ purged: tokens }, 'expired or used account tokens purged');
      const pats = await purgeAccessTokens(database.db);
      if (pats > 0)
        app.log.info({ purged: pats }, 'personal access tokens ended a month ago purged');
      const challenges = await purgeExpiredChallenges(database.db);
      if (challenges > 0)
        app.log.info({ purged: challenges }, 'abandoned passkey challenges purged');
    } catch (error) {
      app.log.warn({ err: error }, 'purging expired sessions failed');
    }
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await Promise.all([purge(), verifyAgainstDummy('warm-up')]);
    timer = setInterval(purge, HOUR).unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}

const REDIS_CONNECT_TIMEOUT_MS = 5000;

/** One Redis client for the process when REDIS_URL is set: limits and cache share it. */
async function openRedis(config: Config, app: FastifyInstance): Promise<Redis | undefined> {
  if (!config.redisUrl) return undefined;
  const redis = new Redis(config.redisUrl, {
    ...FAIL_FAST_REDIS_OPTIONS,
    lazyConnect: true,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
  });
  // Connected before serving: commands are not queued while offline, so they would fail. A
  // server that cannot be reached stops the start at its first error (ioredis would retry on).
  let failed: (error: unknown) => void = () => {};
  await new Promise<void>((resolve, reject) => {
    failed = reject;
    redis.once('error', failed);
    redis.connect().then(resolve, reject);
  })
    .catch((error: unknown) => {
      redis.disconnect();
      throw redisStartupError(config.redisUrl ?? '', error);
    })
    .finally(() => redis.off('error', failed));
  redis.on('error', (error) => app.log.warn({ err: error }, 'redis error'));
  if (config.tracing) traceRedisCommands(redis);
  app.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  return redis;
}

/** Counters shared through Redis when configured (several instances), else kept in this process. */
function openLimiter(redis: Redis | undefined, app: FastifyInstance): RateLimiter {
  if (redis) return createRedisLimiter(redis, { prefix: 'conduit:rl:' });
  const memory = createMemoryLimiter();
  app.addHook('onClose', async () => memory.close());
  return memory;
}

/**
 * Hot reads in Redis when configured (every instance sees each invalidation), with a short
 * in-process tier in front kept honest by messages over Redis (decision 038); else in process.
 * WORKERS processes without Redis would each keep their own copies and never hear of the others'
 * writes: they cache nothing rather than serve what another process just changed.
 */
async function openCache(
  config: Config,
  redis: Redis | undefined,
  app: FastifyInstance,
): Promise<CacheStore> {
  if (config.cacheTtlMs === 0) return createNoCache();
  if (redis) {
    const bus = await openRedisBus(redis, {
      onUnanswered: (missing) =>
        app.log.warn({ missing }, 'cache invalidation not confirmed by every instance in time'),
    }).catch((error: unknown) => {
      app.log.warn({ err: error }, 'cache invalidation messages off: every lookup asks Redis');
      return undefined;
    });
    if (bus) app.addHook('onClose', () => bus.close());
    return createRedisCache(redis, { ttlMs: config.cacheTtlMs, bus });
  }
  if (config.workers > 1) {
    app.log.info('hot-read cache off: WORKERS above 1 share invalidations only through REDIS_URL');
    return createNoCache();
  }
  return createMemoryCache({ ttlMs: config.cacheTtlMs });
}

/**
 * Read replicas (decision 039): lag-tolerant reads go to them, and each client's reads after its
 * own write go to the primary until a replica has replayed it. Where each client last wrote is
 * shared through Redis when configured; one process keeps it itself; WORKERS without Redis cannot
 * share it, so signed-in clients read from the primary there.
 */
function readRoutingOf(
  config: Config,
  database: DbConnection,
  redis: Redis | undefined,
  app: FastifyInstance,
): ReadRouting | undefined {
  if (!database.replicas) return undefined;
  const positions = redis
    ? createRedisWritePositions(redis)
    : config.workers > 1
      ? unsharedWritePositions
      : createMemoryWritePositions();
  return routeReads(database.replicas, positions, {
    onError: (error, doing) => app.log.warn({ err: error }, `read routing: ${doing} failed`),
  });
}

async function openDatabase(config: Config, app: FastifyInstance): Promise<DbConnection> {
  const { replicas } = config.database;
  const database = await createDb({
    ...config.database,
    // A replica taken out or back is worth a line: reads moved (decision 039). Never its URL.
    replicas: replicas && {
      ...replicas,
      onChange: (replica) => {
        const fields = { replica: replica.index, server: replica.server, lagMs: replica.lagMs };
        if (replica.state === 'up') app.log.info(fields, 'read replica in service');
        else app.log.warn({ ...fields, reason: replica.reason }, `read replica ${replica.state}`);
      },
    },
  });
  try {
    await database.migrate();
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
