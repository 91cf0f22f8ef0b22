// `pnpm dev` reads the root .env as `pnpm start` does (scripts/dev-env.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devEnvironment } from '../scripts/dev-env';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'conduit-dev-env-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the environment of pnpm dev', () => {
  it('fills in what the root .env sets, the environment winning, empty values left unset', async () => {
    await writeFile(
      join(root, '.env'),
      '# a comment\nPORT=3111\nWEB_PORT=5188\nLOG_LEVEL=debug\nHOST=\nDATABASE_URL="postgres://u@h/db"\n',
    );
    const env = devEnvironment(root, { LOG_LEVEL: 'warn', PATH: '/bin' });
    expect(env).toMatchObject({
      PORT: '3111',
      WEB_PORT: '5188',
      LOG_LEVEL: 'warn',
      DATABASE_URL: 'postgres://u@h/db',
      PATH: '/bin',
    });
    expect(env).not.toHaveProperty('HOST');
  });

  it('resolves a relative PGLITE_DIR from the root, where pnpm start resolves it', async () => {
    await writeFile(join(root, '.env'), 'PGLITE_DIR=.data/mine\n');
    expect(devEnvironment(root, {}).PGLITE_DIR).toBe(join(root, '.data/mine'));
    expect(devEnvironment(root, { PGLITE_DIR: '/srv/db' }).PGLITE_DIR).toBe('/srv/db');
    expect(devEnvironment(root, { PGLITE_DIR: 'memory://' }).PGLITE_DIR).toBe('memory://');
  });

  it('passes the environment through when there is no .env', async () => {
    await rm(join(root, '.env'));
    expect(devEnvironment(root, { PORT: '4000' })).toEqual({ PORT: '4000' });
  });
});
