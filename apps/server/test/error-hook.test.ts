// The error hook: every unexpected failure, on each surface, reaches the connected reporter once;
// a refusal does not. The failure is real: a table the procedure reads is away for a moment.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from '@conduit/db';
import { getTestDb } from '@conduit/db/testing';
import { type ErrorContext, reportError, setErrorReporter } from '@conduit/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadErrorReporter } from '../src/telemetry/error-reporter';
import { embeddedDatabaseFolder } from './embedded-folder';
import { buildTestApp } from './helpers';
import { startServerProcess } from './process';

let app: FastifyInstance;
let reported: { error: unknown; context: ErrorContext }[] = [];

beforeAll(async () => {
  app = await buildTestApp();
  app.get('/test/broken', async () => {
    throw new Error('a bug in a route');
  });
  setErrorReporter((error, context) => {
    reported.push({ error, context });
  });
});
afterAll(async () => {
  setErrorReporter(undefined);
  await app.close();
});
beforeEach(() => {
  reported = [];
});

/** Runs `work` while the tags table is away, as a bug or a broken migration would leave it. */
async function withoutTagsTable(work: () => Promise<void>): Promise<void> {
  const { db } = await getTestDb();
  await db.execute(sql`alter table tags rename to tags_away`);
  try {
    await work();
  } finally {
    await db.execute(sql`alter table tags_away rename to tags`);
  }
}

describe('the error hook', () => {
  it('gets a procedure failing over tRPC, with the request id and the procedure', async () => {
    await withoutTagsTable(async () => {
      const response = await app.inject({ method: 'GET', url: '/trpc/tag.list' });
      expect(response.statusCode).toBe(500);
      expect(reported).toHaveLength(1);
      expect(reported[0]?.context).toEqual({
        surface: 'trpc',
        requestId: response.headers['x-request-id'],
        path: 'tag.list',
      });
      expect(String((reported[0]?.error as Error | undefined)?.cause)).toMatch(/tags/);
    });
  });

  it('gets the same failure over REST, with the route', async () => {
    await withoutTagsTable(async () => {
      const response = await app.inject({ method: 'GET', url: '/api/tags' });
      expect(response.statusCode).toBe(500);
      expect(reported.map(({ context }) => context)).toEqual([
        { surface: 'rest', requestId: response.headers['x-request-id'], path: 'GET /api/tags' },
      ]);
    });
  });

  it('gets a failure of any other route', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/broken' });
    expect(response.statusCode).toBe(500);
    expect(reported.map(({ context }) => context.surface)).toEqual(['http']);
    expect((reported[0]?.error as Error | undefined)?.message).toBe('a bug in a route');
  });

  it('is not told about refusals', async () => {
    await app.inject({
      method: 'GET',
      url: '/trpc/article.get?input=%7B%22slug%22%3A%22nope%22%7D',
    });
    await app.inject({ method: 'POST', url: '/api/articles', payload: {} });
    await app.inject({ method: 'GET', url: '/no/such/route' });
    expect(reported).toEqual([]);
  });
});

describe('ERROR_REPORTER', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'conduit-reporter-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("loads a module's default export as the reporter", async () => {
    const path = join(dir, 'reporter.mjs');
    await writeFile(
      path,
      'export const seen = []; export default (error, context) => { seen.push([error.message, context.surface]); };',
    );
    const reporter = await loadErrorReporter(path);
    setErrorReporter(reporter);
    await reportError(new Error('boom'), { surface: 'process', origin: 'uncaughtException' });
    setErrorReporter(undefined);
    const { seen } = (await import(path)) as { seen: unknown[] };
    expect(seen).toEqual([['boom', 'process']]);
  });

  it('names the variable when the module is missing or exports no function', async () => {
    await expect(loadErrorReporter(join(dir, 'missing.mjs'))).rejects.toThrow(
      /^ERROR_REPORTER cannot be loaded from .*missing\.mjs: /,
    );
    const path = join(dir, 'no-default.mjs');
    await writeFile(path, 'export const reporter = () => {};');
    await expect(loadErrorReporter(path)).rejects.toThrow(
      /ERROR_REPORTER .* must export a function as its default/,
    );
  });
});

describe('a crash outside any request', { timeout: 180_000 }, () => {
  it('is logged, handed to the error hook, and ends the process with 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conduit-crash-'));
    const reports = join(dir, 'reports.jsonl');
    const reporter = join(dir, 'reporter.mjs');
    // A reporter that writes what it gets to a file, and a way to make the server crash on cue.
    await writeFile(
      reporter,
      `import { appendFileSync } from 'node:fs';
process.on('SIGUSR2', () => setImmediate(() => { throw new Error('crashed on cue'); }));
export default (error, context) => {
  appendFileSync(${JSON.stringify(reports)}, JSON.stringify({ message: error.message, ...context }) + '\\n');
};`,
    );
    const server = startServerProcess({
      PGLITE_DIR: await embeddedDatabaseFolder(),
      PORT: '0',
      ERROR_REPORTER: reporter,
    });
    try {
      for (let waited = 0; !/Server listening/.test(server.output().stdout); waited += 100) {
        if (waited > 100_000 || server.child.exitCode !== null)
          throw new Error(server.output().stderr);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      server.child.kill('SIGUSR2');
      expect(await server.exited).toBe(1);
      expect(JSON.parse(await readFile(reports, 'utf8'))).toEqual({
        message: 'crashed on cue',
        surface: 'process',
        origin: 'uncaughtException',
      });
      const last = JSON.parse(server.output().stdout.trim().split('\n').at(-1) ?? '{}');
      expect(last).toMatchObject({ level: 60, msg: 'crashed', origin: 'uncaughtException' });
    } finally {
      server.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
