// Configuration comes from environment variables only, validated once at start.
import type { AccountSettings, AuthLimits, Limit, WebAuthnSettings } from '@conduit/api';
import {
  defaultAuthLimits as auth,
  DEFAULT_MAX_BATCH_SIZE,
  defaultAccountSettings,
  defaultCommentEventsOptions as live,
} from '@conduit/api/defaults';
import type { DatabaseSetting } from '@conduit/db';
import { z } from 'zod';

const integer = (min: number, max: number, hint: string) =>
  z.coerce
    .number({ error: `must be ${hint}` })
    .int({ error: `must be ${hint}` })
    .min(min, { error: `must be ${hint}` })
    .max(max, { error: `must be ${hint}` });

/** A count of requests per window; 0 turns that limit off. */
const limit = integer(0, 1_000_000_000, 'a whole number (0 turns the limit off)');
const windowMs = integer(1000, 86_400_000, 'milliseconds from 1000 to 86400000');

const splitList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });
const isPostgresUrl = (value: string) => postgresUrl.safeParse(value).success;

function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return /^https?:$/.test(url.protocol) && url.origin === value.replace(/\/$/, '');
}

/** An address (`no-reply@example.com`) or a name and one (`Conduit <no-reply@example.com>`). */
const MAIL_ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;
function isMailFrom(value: string): boolean {
  if (/[\r\n]/.test(value)) return false; // a line break would start a header of its own
  const named = /^([^<>]*)<([^<>]+)>$/.exec(value.trim());
  return MAIL_ADDRESS.test(named ? (named[2] ?? '') : value.trim());
}

/** Where traces are sent: an OTLP/HTTP collector. */
const otlpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'production', 'test'], {
        error: 'must be development, production or test',
      })
      .default('development'),
    PORT: integer(0, 65_535, 'a port number from 0 to 65535').default(3000),
    HOST: z.string().optional(),
    LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).optional(),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    // Behind PgBouncer in transaction mode (docs/deployment.md): the database itself, for LISTEN
    // and migrations, and no named prepared statements through the pooler.
    DATABASE_DIRECT_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    // Streaming replicas of DATABASE_URL for reads that may lag (decision 039), and how far behind
    // one may fall before its reads go back to the primary.
    DATABASE_REPLICA_URLS: z
      .string()
      .refine((value) => splitList(value).length > 0 && splitList(value).every(isPostgresUrl), {
        error: 'must be a comma-separated list of postgres:// or postgresql:// URLs',
      })
      .optional(),
    REPLICA_MAX_LAG_MS: integer(100, 600_000, 'milliseconds from 100 to 600000').default(5000),
    DATABASE_PREPARED_STATEMENTS: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('true'),
    PGLITE_DIR: z.string().default('.data/pglite'),
    DB_POOL_MAX: integer(1, 1000, 'an integer from 1 to 1000').default(10),
    BODY_LIMIT_BYTES: integer(
      1024,
      100 * 1024 * 1024,
      'a byte count from 1024 to 104857600',
    ).default(1024 * 1024),
    TRPC_MAX_BATCH_SIZE: integer(1, 100, 'an integer from 1 to 100').default(
      DEFAULT_MAX_BATCH_SIZE,
    ),
    TRPC_TRANSPORT: z
      .enum(['lean', 'official'], { error: 'must be lean or official' })
      .default('lean'),
    REQUEST_TIMEOUT_MS: integer(1000, 600_000, 'milliseconds from 1000 to 600000').default(30_000),
    SHUTDOWN_TIMEOUT_MS: integer(100, 600_000, 'milliseconds from 100 to 600000').default(10_000),
    REDIS_URL: z
      .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
      .optional(),
    TRUST_PROXY: z
      .string()
      .regex(/^[0-9a-fA-F.:/,\s]+$|^(loopback|linklocal|uniquelocal)$/, {
        error: 'must be a comma-separated list of proxy IP addresses or CIDR ranges',
      })
      .optional(),
    ALLOWED_ORIGINS: z
      .string()
      .refine((value) => splitList(value).every(isOrigin), {
        error: 'must be a comma-separated list of origins like https://app.example.com',
      })
      .optional(),
    CORS_ORIGINS: z
      .string()
      .refine((value) => splitList(value).every(isOrigin), {
        error: 'must be a comma-separated list of origins like https://app.example.com',
      })
      .optional(),
    RATE_LIMIT_MAX: limit.default(1000),
    RATE_LIMIT_WINDOW_MS: windowMs.default(60_000),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: limit.default(auth.loginFailuresPerAccount.max),
    LOGIN_MAX_FAILURES_PER_IP: limit.default(auth.loginFailuresPerIp.max),
    LOGIN_MAX_ATTEMPTS_PER_IP: limit.default(auth.loginAttemptsPerIp.max),
    LOGIN_WINDOW_MS: windowMs.default(auth.loginFailuresPerAccount.windowMs),
    REGISTER_MAX_PER_IP: limit.default(auth.registrationsPerIp.max),
    REGISTER_WINDOW_MS: windowMs.default(auth.registrationsPerIp.windowMs),
    RESET_MAX_PER_IP: limit.default(auth.passwordResetsPerIp.max),
    RESET_MAX_PER_ADDRESS: limit.default(auth.passwordResetsPerAddress.max),
    RESET_WINDOW_MS: windowMs.default(auth.passwordResetsPerIp.windowMs),
    VERIFY_RESEND_MAX_PER_ACCOUNT: limit.default(auth.verificationMailsPerAccount.max),
    VERIFY_RESEND_WINDOW_MS: windowMs.default(auth.verificationMailsPerAccount.windowMs),
    ACCESS_TOKEN_MAX_CALLS: limit.default(auth.accessTokenCalls.max),
    ACCESS_TOKEN_WINDOW_MS: windowMs.default(auth.accessTokenCalls.windowMs),
    LIVE_MAX_SUBSCRIPTIONS_PER_CLIENT: limit.default(live.maxPerClient),
    LIVE_MAX_SUBSCRIPTIONS: limit.default(live.maxTotal),
    METRICS_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    WORKERS: integer(1, 64, 'an integer from 1 to 64').default(1),
    CACHE_TTL_MS: integer(0, 86_400_000, 'milliseconds from 0 (off) to 86400000').default(30_000),
    PUBLIC_ORIGIN: z
      .string()
      .refine(isOrigin, { error: 'must be an origin like https://conduit.example.com' })
      .optional(),
    REAUTH_WINDOW_MS: integer(60_000, 86_400_000, 'milliseconds from 60000 to 86400000').default(
      defaultAccountSettings.reauthWindowMs,
    ),
    REQUIRE_VERIFIED_EMAIL: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false'),
    SMTP_URL: z
      .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' })
      .optional(),
    MAIL_FROM: z
      .string()
      .refine(isMailFrom, {
        error: 'must be an address like no-reply@example.com or Conduit <no-reply@example.com>',
      })
      .default('Conduit <no-reply@localhost>'),
    WEBAUTHN_RP_ID: z
      .string()
      .refine(isDomainName, { error: 'must be a domain name like example.com (not an IP address)' })
      .optional(),
    WEBAUTHN_RP_NAME: z
      .string()
      .trim()
      .min(1, { error: 'must be 1 to 64 characters' })
      .max(64, { error: 'must be 1 to 64 characters' })
      .optional(),
    WEBAUTHN_ORIGIN: z
      .string()
      .refine((value) => splitList(value).every(isOrigin), {
        error: 'must be a comma-separated list of origins like https://conduit.example.com',
      })
      .optional(),
    // Traces (decision 026): the standard OpenTelemetry variables; unset, nothing is traced.
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
    OTEL_SERVICE_NAME: z.string().trim().min(1).default('conduit'),
    OTEL_SDK_DISABLED: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
    ERROR_REPORTER: z
      .string()
      .trim()
      .min(1, { error: 'must be the path of an ES module' })
      .optional(),
    // The server's own TLS (HTTP/2, with HTTP/1.1 for older clients): PEM files, read at start.
    TLS_CERT_FILE: z.string().trim().optional(),
    TLS_KEY_FILE: z.string().trim().optional(),
  })
  // One without the other cannot serve TLS: say which is missing rather than serve plain HTTP.
  .refine((env) => env.TLS_CERT_FILE !== undefined || env.TLS_KEY_FILE === undefined, {
    path: ['TLS_CERT_FILE'],
    error: 'must be set too when TLS_KEY_FILE is (the certificate chain, PEM)',
  })
  .refine((env) => env.TLS_KEY_FILE !== undefined || env.TLS_CERT_FILE === undefined, {
    path: ['TLS_KEY_FILE'],
    error: 'must be set too when TLS_CERT_FILE is (the private key, PEM)',
  })
  .refine((env) => env.DATABASE_DIRECT_URL === undefined || env.DATABASE_URL !== undefined, {
    path: ['DATABASE_DIRECT_URL'],
    error: 'needs DATABASE_URL (it is the direct way to the same PostgreSQL database)',
  })
  .refine((env) => env.DATABASE_REPLICA_URLS === undefined || env.DATABASE_URL !== undefined, {
    path: ['DATABASE_REPLICA_URLS'],
    error: 'needs DATABASE_URL (replicas are PostgreSQL servers; the embedded database has none)',
  })
  // Processes share nothing but the database: an embedded PGlite folder belongs to one process.
  .refine((env) => env.WORKERS === 1 || env.DATABASE_URL !== undefined, {
    path: ['WORKERS'],
    error: 'above 1 needs DATABASE_URL (the embedded database serves one process)',
  })
  // Browsers refuse a passkey ceremony on a page whose host is not the RP ID or under it.
  .refine(originsWithinRpId, {
    path: ['WEBAUTHN_ORIGIN'],
    error: 'must be on the WEBAUTHN_RP_ID domain or a subdomain of it (passkeys are bound to it)',
  });

type Env = {
  PORT: number;
  TLS_CERT_FILE?: string | undefined;
  PUBLIC_ORIGIN?: string | undefined;
  WEBAUTHN_RP_ID?: string | undefined;
  WEBAUTHN_RP_NAME?: string | undefined;
  WEBAUTHN_ORIGIN?: string | undefined;
};

function publicOriginOf(e: Env): string {
  const scheme = e.TLS_CERT_FILE ? 'https' : 'http';
  return (e.PUBLIC_ORIGIN ?? `${scheme}://localhost:${e.PORT || 3000}`).replace(/\/$/, '');
}

/** The passkeys' relying party: configured, or the public origin's host name and that origin. */
function webauthnOf(e: Env): WebAuthnSettings {
  const publicOrigin = publicOriginOf(e);
  return {
    rpId: e.WEBAUTHN_RP_ID?.toLowerCase() ?? new URL(publicOrigin).hostname,
    rpName: e.WEBAUTHN_RP_NAME ?? 'Conduit',
    origins: e.WEBAUTHN_ORIGIN ? originsOf(e.WEBAUTHN_ORIGIN) : [publicOrigin],
  };
}

/** A DNS name of letters, digits and hyphens; four numbers with dots are an IPv4 address. */
function isDomainName(value: string): boolean {
  const label = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
  return (
    value.length <= 253 &&
    new RegExp(`^${label}(\\.${label})*$`, 'i').test(value) &&
    !/^[0-9.]+$/.test(value)
  );
}

/** Checked on the whole object, so it runs even beside other bad values: those are theirs to report. */
function originsWithinRpId(e: Env): boolean {
  const origins = [publicOriginOf(e), ...originsOf(e.WEBAUTHN_ORIGIN)];
  if (!origins.every((origin) => URL.canParse(origin) && isOrigin(origin))) return true;
  const { rpId, origins: allowed } = webauthnOf(e);
  return allowed.every((origin) => {
    const host = new URL(origin).hostname;
    return host === rpId || host.endsWith(`.${rpId}`);
  });
}

/** The variable behind each database setting, for errors about a value that passed validation. */
export const databaseVariables = {
  url: 'DATABASE_URL',
  directUrl: 'DATABASE_DIRECT_URL',
  pgliteDir: 'PGLITE_DIR',
} as const satisfies Record<DatabaseSetting, string>;

/** Variables whose values must not be echoed back in an error (they may hold passwords). */
const secret = new Set([
  'DATABASE_URL',
  'DATABASE_DIRECT_URL',
  'DATABASE_REPLICA_URLS',
  'REDIS_URL',
  'METRICS_TOKEN',
  'SMTP_URL',
  // A collector's URL may carry credentials in its user info or query.
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
]);

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: (typeof logLevels)[number];
  database: {
    url: string | undefined;
    /** DATABASE_DIRECT_URL: LISTEN and migrations when `url` goes through a transaction pooler. */
    directUrl: string | undefined;
    /** DATABASE_PREPARED_STATEMENTS: false behind a pooler that does not track them. */
    prepare: boolean;
    pgliteDir: string;
    poolMax: number;
    /** A span per statement: on when tracing is. */
    traceStatements: boolean;
    /** DATABASE_REPLICA_URLS and REPLICA_MAX_LAG_MS: read replicas (decision 039), if any. */
    replicas: { urls: string[]; maxLagMs: number } | undefined;
  };
  bodyLimitBytes: number;
  trpcMaxBatchSize: number;
  /** The server terminates TLS itself, serving HTTP/2 (and HTTP/1.1): TLS_CERT_FILE, TLS_KEY_FILE. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Queries and mutations through our lean transport, or all through tRPC's (decision 035). */
  trpcTransport: 'lean' | 'official';
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
  redisUrl: string | undefined;
  /** Proxies whose X-Forwarded-For is believed; false: the peer address is the client. */
  trustProxy: string[] | string | false;
  /** Origins besides our own whose pages may send cookie-authenticated changes. */
  allowedOrigins: string[];
  /** Origins whose pages may call /api from the browser (CORS); never `*`. */
  corsOrigins: string[];
  /** Caps on open live-comment subscriptions (0: no cap). */
  live: { maxPerClient: number; maxTotal: number };
  /** Bearer token /metrics requires; unset: /metrics answers loopback clients only. */
  metricsToken: string | undefined;
  /** Server processes on this machine sharing the port (node:cluster); 1: this process serves. */
  workers: number;
  /** How long hot reads are kept (writes through the API invalidate them at once); 0: off. */
  cacheTtlMs: number;
  /** Links in mail, sudo mode's window, whether writing needs a verified email. */
  accounts: AccountSettings;
  /** Where mail goes: an SMTP server (with credentials: a secret), or nowhere yet (see mail.ts). */
  mail: { smtpUrl: string | undefined; from: string };
  /** Where traces go (OTLP/HTTP), or undefined: not traced at all (decision 026). */
  tracing: TracingSettings | undefined;
  /** The module a deployment's error tracker is connected through (see README, Errors). */
  errorReporter: string | undefined;
  /** The abuse limits of sign-in and friends, and `global`, every request's per client. */
  limits: AuthLimits & { global: Limit };
}

export interface TracingSettings {
  /** The collector's URL for traces (`<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`). */
  tracesUrl: string;
  serviceName: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration, or throws a ConfigError whose message is one line naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // A variable set to the empty string (`PORT=` in a .env file) counts as unset.
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const got = env[name];
      const shown = secret.has(name) || got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const tracing = tracingOf(e);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    // Reachable from other machines only when asked for, or in production (behind a proxy).
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    database: {
      url: e.DATABASE_URL,
      directUrl: e.DATABASE_DIRECT_URL,
      prepare: e.DATABASE_PREPARED_STATEMENTS === 'true',
      pgliteDir: e.PGLITE_DIR,
      poolMax: e.DB_POOL_MAX,
      traceStatements: tracing !== undefined,
      replicas: e.DATABASE_REPLICA_URLS
        ? { urls: splitList(e.DATABASE_REPLICA_URLS), maxLagMs: e.REPLICA_MAX_LAG_MS }
        : undefined,
    },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    trpcMaxBatchSize: e.TRPC_MAX_BATCH_SIZE,
    tls:
      e.TLS_CERT_FILE && e.TLS_KEY_FILE
        ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE }
        : undefined,
    trpcTransport: e.TRPC_TRANSPORT,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    redisUrl: e.REDIS_URL,
    trustProxy: trustProxyOf(e.TRUST_PROXY),
    allowedOrigins: originsOf(e.ALLOWED_ORIGINS),
    corsOrigins: originsOf(e.CORS_ORIGINS),
    live: { maxPerClient: e.LIVE_MAX_SUBSCRIPTIONS_PER_CLIENT, maxTotal: e.LIVE_MAX_SUBSCRIPTIONS },
    metricsToken: e.METRICS_TOKEN,
    workers: e.WORKERS,
    cacheTtlMs: e.CACHE_TTL_MS,
    accounts: {
      publicOrigin: publicOriginOf(e),
      reauthWindowMs: e.REAUTH_WINDOW_MS,
      requireVerifiedEmail: e.REQUIRE_VERIFIED_EMAIL === 'true',
      webauthn: webauthnOf(e),
    },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM.trim() },
    tracing,
    errorReporter: e.ERROR_REPORTER,
    limits: {
      global: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
      loginFailuresPerAccount: {
        max: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        windowMs: e.LOGIN_WINDOW_MS,
      },
      loginFailuresPerIp: { max: e.LOGIN_MAX_FAILURES_PER_IP, windowMs: e.LOGIN_WINDOW_MS },
      loginAttemptsPerIp: { max: e.LOGIN_MAX_ATTEMPTS_PER_IP, windowMs: e.LOGIN_WINDOW_MS },
      registrationsPerIp: { max: e.REGISTER_MAX_PER_IP, windowMs: e.REGISTER_WINDOW_MS },
      passwordResetsPerIp: { max: e.RESET_MAX_PER_IP, windowMs: e.RESET_WINDOW_MS },
      passwordResetsPerAddress: { max: e.RESET_MAX_PER_ADDRESS, windowMs: e.RESET_WINDOW_MS },
      verificationMailsPerAccount: {
        max: e.VERIFY_RESEND_MAX_PER_ACCOUNT,
        windowMs: e.VERIFY_RESEND_WINDOW_MS,
      },
      accessTokenCalls: { max: e.ACCESS_TOKEN_MAX_CALLS, windowMs: e.ACCESS_TOKEN_WINDOW_MS },
    },
  };
}

/**
 * As OpenTelemetry specifies: the traces endpoint as given, or the general one with `/v1/traces`
 * appended; OTEL_SDK_DISABLED=true turns tracing off whatever is set.
 */
function tracingOf(e: {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_SERVICE_NAME: string;
  OTEL_SDK_DISABLED?: string | undefined;
}): TracingSettings | undefined {
  if (e.OTEL_SDK_DISABLED === 'true') return undefined;
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base.replace(/\/$/, '')}/v1/traces`);
  return tracesUrl ? { tracesUrl, serviceName: e.OTEL_SERVICE_NAME } : undefined;
}

function originsOf(value: string | undefined): string[] {
  return splitList(value ?? '').map((origin) => origin.replace(/\/$/, ''));
}

function trustProxyOf(value: string | undefined): Config['trustProxy'] {
  if (!value) return false;
  const list = splitList(value);
  return list.length === 1 && /^[a-z]+$/.test(list[0] ?? '') ? (list[0] ?? false) : list;
}
