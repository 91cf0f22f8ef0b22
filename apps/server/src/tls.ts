// The server's own TLS (TLS_CERT_FILE, TLS_KEY_FILE): for a single host without a proxy in
// front, so browsers speak HTTP/2 to it. HTTP/2 is what lets one browser keep many live-comment
// streams open and still load pages: over HTTP/1.1 it has six connections per host, each open
// stream holds one. HTTP/1.1 stays on for clients that do not offer h2 (ALPN).
import { readFile } from 'node:fs/promises';
import { type Config, ConfigError } from './config';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** The PEM files, or a ConfigError naming the variable whose file cannot be read. */
export async function readTlsFiles(tls: NonNullable<Config['tls']>): Promise<TlsFiles> {
  const read = async (variable: string, path: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new ConfigError(
        `Invalid configuration: ${variable} cannot be read (${reason}): ${path}`,
      );
    }
  };
  return {
    cert: await read('TLS_CERT_FILE', tls.certFile),
    key: await read('TLS_KEY_FILE', tls.keyFile),
  };
}
