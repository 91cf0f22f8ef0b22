// The server as a child process (`node --import tsx src/main.ts`), for tests of what an operator
// sees: exit codes, log lines, signals.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * Starts the server with only PATH, LOG_LEVEL=info and `env`; collects what it prints. `wrapper`:
 * a command that runs it (its arguments follow), e.g. to start it in a mount namespace of its own.
 * `built`: the bundle (dist/main.js) to run instead of the source.
 */
export function startServerProcess(
  env: Record<string, string>,
  wrapper: string[] = [],
  built?: string,
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
