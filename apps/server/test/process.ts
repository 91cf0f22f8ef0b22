// The server as a child process (the build, dist/main.js, when it is fresh; else
// `node --import tsx src/main.ts`), for tests of what an operator sees: exit codes, log lines,
// signals.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * Starts the server with only PATH, LOG_LEVEL=info and `env`; collects what it prints. `wrapper`:
 * a command that runs it (its arguments follow), e.g. to start it in a mount namespace of its own.
 * `built`: the bundle to run instead of the source; by default dist/main.js when it is fresh
 * (CI builds before it tests), which starts in a fraction of the time tsx takes to compile.
 */
export function startServerProcess(
  env: Record<string, string>,
  wrapper: string[] = [],
  built: string | undefined = freshBundle(),
) {
  const [command = process.execPath, ...args] = [
    ...wrapper,
    process.execPath,
    ...(built ? [built] : ['--import', 'tsx', main]),
  ];
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** A loopback port nothing listens on right now, for a server that must be told its port. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * What a TCP connection to `host:port` meets: `open` (it was opened, and is closed again at once)
 * or the error's code (`ECONNREFUSED` when nothing listens).
 */
export function tryConnect(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

const BUNDLE = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const PACKAGES = fileURLToPath(new URL('../../../packages', import.meta.url));

/** The server's sources and those of the workspace packages bundled with it. */
function sourceFolders(): string[] {
  const packages = readdirSync(PACKAGES).map((name) => join(PACKAGES, name, 'src'));
  return [fileURLToPath(new URL('../src', import.meta.url)), ...packages];
}

/**
 * The built server (dist/main.js) when it is newer than every TypeScript source it bundles, or
 * undefined: the processes then run from source. Four servers starting from source cost about
 * half a minute of CPU (tsx compiles each), which on two cores slows the tests running beside;
 * CI builds before it tests. A stale bundle is never used: it would test old code. Found once per
 * test process (it reads every source file's time), not once per server started.
 */
export function freshBundle(): string | undefined {
  found ??= { bundle: findFreshBundle() };
  return found.bundle;
}
let found: { bundle: string | undefined } | undefined;

function findFreshBundle(): string | undefined {
  let built: number;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    return undefined;
  }
  for (const root of sourceFolders()) {
    let paths: string[];
    try {
      paths = readdirSync(root, { recursive: true }) as string[];
    } catch {
      continue; // a package without src/
    }
    for (const path of paths) {
      if (!/\.tsx?$/.test(path) || path.includes('.test.')) continue;
      if (statSync(join(root, path)).mtimeMs > built) return undefined;
    }
  }
  return BUNDLE;
}
