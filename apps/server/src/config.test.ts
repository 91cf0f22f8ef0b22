import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const errorOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('configuration was accepted');
};

describe('loadConfig', () => {
  it('has defaults that run on the embedded database on loopback', () => {
    expect(loadConfig({})).toMatchObject({
      env: 'development',
      port: 3000,
      host: '127.0.0.1',
      trpcTransport: 'lean',
      database: { url: undefined, pgliteDir: '.data/pglite' },
    });
  });

  it('listens on every interface by default in production', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).host).toBe('0.0.0.0');
    expect(loadConfig({ NODE_ENV: 'production', HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      database: { url: undefined },
    });
  });

  it('reads PostgreSQL and limits from the environment', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/conduit',
      PORT: '8080',
      TRPC_MAX_BATCH_SIZE: '5',
      TRPC_TRANSPORT: 'official',
    });
    expect(config).toMatchObject({
      port: 8080,
      trpcMaxBatchSize: 5,
      trpcTransport: 'official',
      database: { url: 'postgres://u@db:5432/conduit' },
    });
  });

  it('limits sign-in failures per account and per IP, and caps all attempts per IP ten times higher', () => {
    const window = { windowMs: 15 * 60_000 };
    expect(loadConfig({}).limits).toMatchObject({
      loginFailuresPerAccount: { max: 5, ...window },
      loginFailuresPerIp: { max: 20, ...window },
      loginAttemptsPerIp: { max: 200, ...window },
    });
    expect(
      loadConfig({
        LOGIN_MAX_FAILURES_PER_IP: '50',
        LOGIN_MAX_ATTEMPTS_PER_IP: '0',
        LOGIN_WINDOW_MS: '60000',
      }).limits,
    ).toMatchObject({
      loginFailuresPerIp: { max: 50, windowMs: 60_000 },
      loginAttemptsPerIp: { max: 0, windowMs: 60_000 },
    });
  });

  it('refuses a bad value in one line naming the variable and the value', () => {
    const message = errorOf({ PORT: 'notaport' });
    expect(message).toBe(
      'Invalid configuration: PORT must be a port number from 0 to 65535 (got "notaport")',
    );
    expect(errorOf({ PORT: '70000' })).toMatch(/^Invalid configuration: PORT /);
    expect(errorOf({ NODE_ENV: 'prod' })).toMatch(
      /NODE_ENV must be development, production or test/,
    );
    expect(errorOf({ TRPC_TRANSPORT: 'fetch' })).toMatch(/TRPC_TRANSPORT must be lean or official/);
  });

  it('reads the pooler settings: a direct URL beside DATABASE_URL, prepared statements off', () => {
    expect(loadConfig({}).database).toMatchObject({ directUrl: undefined, prepare: true });
    expect(
      loadConfig({
        DATABASE_URL: 'postgres://u@pgbouncer:6432/conduit',
        DATABASE_DIRECT_URL: 'postgres://u@db:5432/conduit',
        DATABASE_PREPARED_STATEMENTS: 'false',
      }).database,
    ).toMatchObject({ directUrl: 'postgres://u@db:5432/conduit', prepare: false });
    expect(errorOf({ DATABASE_DIRECT_URL: 'postgres://u:secret@db/c' })).toBe(
      'Invalid configuration: DATABASE_DIRECT_URL needs DATABASE_URL (it is the direct way to the same PostgreSQL database)',
    );
    expect(errorOf({ DATABASE_PREPARED_STATEMENTS: 'no' })).toMatch(
      /DATABASE_PREPARED_STATEMENTS must be true or false/,
    );
  });

  it('reads the replicas beside DATABASE_URL, and refuses them without it or malformed', () => {
    expect(loadConfig({}).database.replicas).toBeUndefined();
    expect(
      loadConfig({
        DATABASE_URL: 'postgres://u@primary:5432/conduit',
        DATABASE_REPLICA_URLS: ' postgres://u@replica1/conduit , postgresql://u@replica2/conduit',
      }).database.replicas,
    ).toEqual({
      urls: ['postgres://u@replica1/conduit', 'postgresql://u@replica2/conduit'],
      maxLagMs: 5000,
    });
    expect(
      loadConfig({
        DATABASE_URL: 'postgres://u@primary/conduit',
        DATABASE_REPLICA_URLS: 'postgres://u@replica/conduit',
        REPLICA_MAX_LAG_MS: '800',
      }).database.replicas?.maxLagMs,
    ).toBe(800);
    // The embedded database has no replicas: a clear start-up error, not replicas ignored.
    expect(errorOf({ DATABASE_REPLICA_URLS: 'postgres://u:secret@replica/conduit' })).toBe(
      'Invalid configuration: DATABASE_REPLICA_URLS needs DATABASE_URL (replicas are PostgreSQL servers; the embedded database has none)',
    );
    // A malformed list is named, and its value (which may hold passwords) is not repeated.
    const malformed = errorOf({
      DATABASE_URL: 'postgres://u@primary/conduit',
      DATABASE_REPLICA_URLS: 'postgres://u:secret@replica/conduit,mysql://u:secret@other/db',
    });
    expect(malformed).toBe(
      'Invalid configuration: DATABASE_REPLICA_URLS must be a comma-separated list of postgres:// or postgresql:// URLs',
    );
    expect(
      errorOf({ DATABASE_URL: 'postgres://u@primary/conduit', DATABASE_REPLICA_URLS: ' , ' }),
    ).toMatch(/DATABASE_REPLICA_URLS must be a comma-separated list/);
    expect(errorOf({ REPLICA_MAX_LAG_MS: '50' })).toBe(
      'Invalid configuration: REPLICA_MAX_LAG_MS must be milliseconds from 100 to 600000 (got "50")',
    );
  });

  it('takes TLS files in pairs, and then defaults the public origin to https', () => {
    expect(errorOf({ TLS_CERT_FILE: '/c.pem' })).toMatch(/TLS_KEY_FILE must be set too/);
    expect(errorOf({ TLS_KEY_FILE: '/k.pem' })).toMatch(/TLS_CERT_FILE must be set too/);
    expect(loadConfig({}).tls).toBeUndefined();
    expect(
      loadConfig({ TLS_CERT_FILE: '/c.pem', TLS_KEY_FILE: '/k.pem', PORT: '8443' }),
    ).toMatchObject({
      tls: { certFile: '/c.pem', keyFile: '/k.pem' },
      accounts: { publicOrigin: 'https://localhost:8443' },
    });
  });

  it('names every bad variable, on one line', () => {
    const message = errorOf({ PORT: '-1', LOG_LEVEL: 'loud', BODY_LIMIT_BYTES: '1e12' });
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/PORT .*; LOG_LEVEL .*; BODY_LIMIT_BYTES /);
  });

  it('never echoes a database URL, which may hold a password', () => {
    const message = errorOf({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(message).toMatch(/DATABASE_URL must be a postgres/);
    expect(message).not.toContain('hunter2');
  });

  it('reads where mail goes, and from whom', () => {
    expect(loadConfig({}).mail).toEqual({
      smtpUrl: undefined,
      from: 'Conduit <no-reply@localhost>',
    });
    const config = loadConfig({
      SMTP_URL: 'smtps://mailer:p%40ss@smtp.example.com:465',
      MAIL_FROM: 'Conduit Team <hello@conduit.example>',
    });
    expect(config.mail).toEqual({
      smtpUrl: 'smtps://mailer:p%40ss@smtp.example.com:465',
      from: 'Conduit Team <hello@conduit.example>',
    });
    expect(loadConfig({ MAIL_FROM: 'hello@conduit.example' }).mail.from).toBe(
      'hello@conduit.example',
    );
  });

  it('refuses a MAIL_FROM that is not one address, or would add a header', () => {
    for (const bad of ['conduit', 'Conduit <conduit>', 'a@b.c, d@e.f', 'a@b.c\r\nBcc: x@y.z']) {
      expect(errorOf({ MAIL_FROM: bad })).toMatch(
        /^Invalid configuration: MAIL_FROM must be an address/,
      );
    }
  });

  it('never echoes an SMTP URL, which may hold a password', () => {
    const message = errorOf({ SMTP_URL: 'http://mailer:hunter2@smtp.example.com' });
    expect(message).toMatch(/SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL$/);
    expect(message).not.toContain('hunter2');
  });
});

describe('loadConfig: the passkeys’ relying party (decision 023)', () => {
  const webauthnOf = (env: Record<string, string>) => loadConfig(env).accounts.webauthn;

  it('is the public origin’s host name and that origin, unless set', () => {
    expect(webauthnOf({})).toEqual({
      rpId: 'localhost',
      rpName: 'Conduit',
      origins: ['http://localhost:3000'],
    });
    expect(webauthnOf({ PUBLIC_ORIGIN: 'https://conduit.example.com/' })).toEqual({
      rpId: 'conduit.example.com',
      rpName: 'Conduit',
      origins: ['https://conduit.example.com'],
    });
    expect(
      webauthnOf({
        PUBLIC_ORIGIN: 'https://www.example.com',
        WEBAUTHN_RP_ID: 'Example.com',
        WEBAUTHN_RP_NAME: 'Example',
        WEBAUTHN_ORIGIN: 'https://www.example.com, https://app.example.com/',
      }),
    ).toEqual({
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://www.example.com', 'https://app.example.com'],
    });
  });

  it('refuses an RP ID that is no domain name, and origins outside it', () => {
    expect(errorOf({ WEBAUTHN_RP_ID: '127.0.0.1' })).toMatch(
      /WEBAUTHN_RP_ID must be a domain name like example.com \(not an IP address\)/,
    );
    expect(errorOf({ WEBAUTHN_RP_ID: 'https://example.com' })).toMatch(/^Invalid .*WEBAUTHN_RP_ID/);
    expect(errorOf({ WEBAUTHN_ORIGIN: 'https://evil.example' })).toMatch(
      /WEBAUTHN_ORIGIN must be on the WEBAUTHN_RP_ID domain/,
    );
    expect(
      errorOf({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGIN: 'https://notexample.com' }),
    ).toMatch(/WEBAUTHN_ORIGIN must be on the WEBAUTHN_RP_ID domain/);
    expect(errorOf({ WEBAUTHN_ORIGIN: 'example.com' })).toMatch(
      /WEBAUTHN_ORIGIN must be a comma-separated list of origins/,
    );
  });
});

describe('loadConfig: traces (decision 026)', () => {
  it('are off unless an OTLP endpoint is set, and then statements are traced too', () => {
    const off = loadConfig({});
    expect(off.tracing).toBeUndefined();
    expect(off.database.traceStatements).toBe(false);
    const on = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(on.tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'conduit',
    });
    expect(on.database.traceStatements).toBe(true);
  });

  it('take the traces endpoint as given, the service name, and OTEL_SDK_DISABLED', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp',
      OTEL_SERVICE_NAME: 'conduit-eu',
    };
    expect(loadConfig(env).tracing).toEqual({
      tracesUrl: 'https://traces.example.com/otlp',
      serviceName: 'conduit-eu',
    });
    expect(loadConfig({ ...env, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
  });

  it('refuse an endpoint that is no http(s) URL, without echoing it', () => {
    expect(errorOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://user:pw@collector' })).toBe(
      'Invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL',
    );
  });
});
