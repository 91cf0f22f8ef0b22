// The access log: one line per answered request, at info, naming the request and its answer.
import { getTestDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers';
import { buildApp } from '../app';
import { CENSOR } from './redact';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string; remoteAddress?: string };
  res?: { statusCode: number };
  responseTime?: number;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function logged(level: string): Promise<{ app: FastifyInstance; lines: Line[] }> {
  const lines: Line[] = [];
  app = await buildApp(testConfig({ LOG_LEVEL: level }), {
    database: await getTestDb(),
    logStream: { write: (line) => lines.push(JSON.parse(line) as Line) },
  });
  return { app, lines };
}

describe('the access log', () => {
  it.each([
    ['/api/tags', 200],
    ['/api/no-such-route', 404],
    ['/api/articles?limit=many', 422],
    ['/trpc/article.get?input=%7B%7D', 400],
  ])(
    'writes one line for GET %s, answered %i, with what was asked and how it went',
    async (url, status) => {
      const { app, lines } = await logged('info');
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(status);
      const requestId = response.headers['x-request-id'];
      const about = lines.filter((line) => line.reqId === requestId);
      expect(about).toHaveLength(1);
      expect(about[0]).toMatchObject({
        level: 30,
        msg: 'request completed',
        req: { method: 'GET', url },
        res: { statusCode: status },
      });
      expect(about[0]?.responseTime).toBeGreaterThanOrEqual(0);
    },
  );

  it('censors a secret in the logged URL, as every line does', async () => {
    const { app, lines } = await logged('info');
    const response = await app.inject({ method: 'GET', url: '/api/tags?access_token=s3cr3t' });
    const line = lines.find((each) => each.reqId === response.headers['x-request-id']);
    expect(line?.req?.url).toBe(`/api/tags?access_token=${CENSOR}`);
    expect(JSON.stringify(lines)).not.toContain('s3cr3t');
  });

  it('writes the incoming request too at debug, before its answer', async () => {
    const { app, lines } = await logged('debug');
    const response = await app.inject({ method: 'GET', url: '/api/tags' });
    const about = lines.filter((line) => line.reqId === response.headers['x-request-id']);
    expect(about.map((line) => [line.level, line.msg])).toEqual([
      [20, 'incoming request'],
      [30, 'request completed'],
    ]);
    expect(about[0]?.req).toMatchObject({ method: 'GET', url: '/api/tags' });
  });

  it('writes nothing about a request at warn', async () => {
    const { app, lines } = await logged('warn');
    const response = await app.inject({ method: 'GET', url: '/api/tags' });
    expect(response.statusCode).toBe(200);
    expect(lines.filter((line) => line.reqId === response.headers['x-request-id'])).toEqual([]);
  });
});
