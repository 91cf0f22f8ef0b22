import { getTestDb } from '@conduit/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app';
import { type Config, loadConfig } from '../src/config';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', ...env });
}

/** The app over the worker's test database (PGlite, or PostgreSQL with TEST_DATABASE_URL). */
export async function buildTestApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  return buildApp(testConfig(env), { database: await getTestDb() });
}
