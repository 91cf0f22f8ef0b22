// The server as a process: what an operator sees when starting and stopping it.
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startServerProcess } from './process';

function startServer(env: Record<string, string>) {
  return startServerProcess({ PGLITE_DIR: 'memory://', PORT: '0', ...env });
}

async function listeningUrl(
  child: ChildProcess,
  output: () => { stdout: string },
): Promise<string> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const match = output().stdout.match(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
    if (match?.[1]) return match[1];
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not start: ${JSON.stringify(output())}`);
}

// Each test starts a process, through tsx when the build is stale: slow on a busy two-core machine.
describe('main', { timeout: 60_000 }, () => {
  it('exits 1 with one line naming a bad variable', async () => {
    const server = startServer({ PORT: 'notaport' });
    expect(await server.exited).toBe(1);
    expect(server.output().stderr.trim()).toBe(
      'Invalid configuration: PORT must be a port number from 0 to 65535 (got "notaport")',
    );
  });

  it('exits 1 with one line when the database cannot be reached', async () => {
    const server = startServer({ DATABASE_URL: 'postgres://conduit@127.0.0.1:1/none' });
    expect(await server.exited).toBe(1);
    const lines = server.output().stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Conduit failed to start: /);
  });

  it('serves, logs JSON with a request id on every request line, and stops cleanly on SIGTERM', async () => {
    const server = startServer({});
    const url = await listeningUrl(server.child, server.output);

    const res = await fetch(`${url}/trpc/tag.list`);
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');

    const stopAsked = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - stopAsked).toBeLessThan(5000);

    const lines = server
      .output()
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const aboutRequest = lines.filter((line) => line.reqId === requestId);
    expect(aboutRequest.map((line) => line.msg)).toEqual(['request completed']);
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped' });
  });
});
