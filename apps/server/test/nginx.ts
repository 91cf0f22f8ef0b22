// nginx in front of server processes on loopback, for the tests and the benchmark. It runs the
// documented configuration, deploy/nginx/conduit.conf, with only its upstream `server` lines and
// its `listen` port replaced, so what is tested is what operators are told to install. Each
// nginx gets a fresh temporary prefix (configuration, pid, logs, temp files), runs in the
// foreground as a child of this process, and works as root and as any other user.
import type { ChildProcess } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startForeground } from './foreground';
import { freePort } from './process';

const CONFIG = fileURLToPath(new URL('../../../deploy/nginx/conduit.conf', import.meta.url));
const CANDIDATES = [
  '/usr/sbin/nginx',
  '/usr/local/sbin/nginx',
  '/usr/bin/nginx',
  '/usr/local/bin/nginx',
];

/** The nginx binary's path, or undefined when nginx is not installed. */
export function nginxBinary(): string | undefined {
  const candidates = process.env.NGINX_PATH ? [process.env.NGINX_PATH] : CANDIDATES;
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** nginx's TLS listener for a test: its port and a certificate with its key (PEM files). */
export interface NginxTls {
  port: number;
  certFile: string;
  keyFile: string;
}

/**
 * deploy/nginx/conduit.conf with its upstream's `server` lines replaced by one per `upstreams`
 * entry (keeping the parameters of the first, max_fails and fail_timeout), its plain `listen`
 * port by `port` on loopback, and its TLS listener and certificate either pointed at `tls` or,
 * without it, left out. Throws when the file no longer has the lines this relies on.
 */
function renderConduitConf(
  upstreams: string[],
  port: number,
  tls: NginxTls | undefined,
  host = '127.0.0.1',
  text = readFileSync(CONFIG, 'utf8'),
): string {
  if (upstreams.length === 0) throw new Error('startNginx: no upstreams');
  const upstream = /^(upstream conduit \{\n)([\s\S]*?)^\}/m.exec(text);
  if (!upstream) throw new Error(`${CONFIG}: no "upstream conduit { ... }" block`);
  const servers = /^( *)server [^\s;]+([^;\n]*);\n/gm;
  const body = upstream[2] ?? '';
  const first = servers.exec(body);
  if (!first) throw new Error(`${CONFIG}: no server line in upstream conduit`);
  const [, indent, parameters] = first;
  const lines = upstreams.map((address) => `${indent}server ${address}${parameters};\n`).join('');
  // The first server line becomes the new list, the others go.
  let replaced = false;
  const newBody = body.replace(servers, () => {
    if (replaced) return '';
    replaced = true;
    return lines;
  });
  const plain = /^( *)listen \d+;$/m;
  const secure = /^( *)listen \d+ ssl http2;$/m;
  const certificate = /^( *)ssl_certificate [^;\n]+;$/m;
  const key = /^( *)ssl_certificate_key [^;\n]+;$/m;
  for (const [what, pattern] of Object.entries({ plain, secure, certificate, key })) {
    const found = text.match(new RegExp(pattern.source, 'gm'))?.length ?? 0;
    if (found !== 1) throw new Error(`${CONFIG}: expected one ${what} line, found ${found}`);
  }
  const withUpstreams = text
    .replace(upstream[0], `${upstream[1]}${newBody}}`)
    .replace(plain, `$1listen ${host}:${port};`);
  if (!tls)
    return withUpstreams.replace(/^ *(?:listen \d+ ssl http2|ssl_[a-z_]+ [^;\n]+);\n/gm, '');
  return withUpstreams
    .replace(secure, `$1listen ${host}:${tls.port} ssl http2;`)
    .replace(certificate, `$1ssl_certificate ${tls.certFile};`)
    .replace(key, `$1ssl_certificate_key ${tls.keyFile};`);
}

/** The whole nginx.conf: a minimal main context around conduit.conf, everything inside `dir`. */
function mainConfig(dir: string, conduit: string, workerProcesses: number): string {
  return `# Written by apps/server/test/nginx.ts around deploy/nginx/conduit.conf.
daemon off;
master_process on;
worker_processes ${workerProcesses};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log ${dir}/access.log combined buffer=64k flush=1s;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;

${conduit}
}
`;
}

/**
 * Starts nginx in the foreground (daemon off) with a config written to a fresh temp prefix dir,
 * balancing over `upstreams` (e.g. ['127.0.0.1:4001','127.0.0.1:4002']). Resolves once it
 * answers on its port.
 */
export async function startNginx(options: {
  upstreams: string[];
  port?: number;
  workerProcesses?: number;
  /** A certificate and key for the TLS (HTTP/2) listener, on a free port; without, no TLS. */
  tls?: Omit<NginxTls, 'port'> & { port?: number };
  /** The address both listeners are on (default 127.0.0.1). */
  host?: string;
  /** A command prefix that runs nginx elsewhere, e.g. ['ip', 'netns', 'exec', 'edge']. */
  wrap?: string[];
}): Promise<{
  url: string;
  port: number;
  /** Its temporary prefix (configuration, logs), removed by `stop`. */
  dir: string;
  /** https://localhost:<port> (or https://<host>:<port>) of the TLS listener, with `tls`. */
  tlsUrl: string | undefined;
  stop(): Promise<void>;
  errorLog(): string;
}> {
  const binary = nginxBinary();
  if (!binary) throw new Error('nginx is not installed (looked for /usr/sbin/nginx; NGINX_PATH)');
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const tls = options.tls
    ? { ...options.tls, port: options.tls.port ?? (await freePort()) }
    : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'conduit-nginx-'));
  // As root, nginx's workers run as an unprivileged user: they must reach the temp directories
  // (which the master creates and hands to them) inside this one.
  chmodSync(dir, 0o755);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    mainConfig(
      dir,
      renderConduitConf(options.upstreams, port, tls, host),
      options.workerProcesses ?? 1,
    ),
  );

  // -e: the log for start-up, before the configuration is read (Debian's default is stderr,
  // others' a file under /var/log that only root may write). SIGTERM is nginx's fast shutdown:
  // open connections (event streams) are not waited for.
  const errorLog = join(dir, 'error.log');
  const [command = binary, ...prefix] = [...(options.wrap ?? []), binary];
  const service = await startForeground({
    name: 'nginx',
    binary: command,
    args: [...prefix, '-p', `${dir}/`, '-c', conf, '-e', errorLog],
    dir,
    logFile: errorLog,
    signal: 'SIGTERM',
    ready: (child) => untilAnswering(host, port, child),
  });
  const named = host === '127.0.0.1' ? 'localhost' : host;
  return {
    url: `http://${host}:${port}`,
    port,
    dir,
    tlsUrl: tls ? `https://${named}:${tls.port}` : undefined,
    stop: service.stop,
    /** What nginx reported so far: start-up output and its error log (warn and above). */
    errorLog: service.log,
  };
}

/**
 * Waits until an nginx worker answers on `port`. The probe is an HTTP/1.1 request without Host,
 * which nginx refuses itself (400): a request for a path would go to an upstream, and one that
 * is not up yet would then be marked failed for fail_timeout.
 */
async function untilAnswering(
  host: string,
  port: number,
  child: ChildProcess,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    }
    if (await answers(host, port)) return;
    if (Date.now() > deadline) throw new Error(`no answer on port ${port} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('GET / HTTP/1.1\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(reply.startsWith('HTTP/1.1 400')));
  });
}
