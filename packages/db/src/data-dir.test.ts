import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDataDir } from './data-dir';

const root = await mkdtemp(join(tmpdir(), 'conduit-data-dir-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('prepareDataDir', () => {
  it('creates missing folders and leaves nothing behind from its write check', async () => {
    const dir = join(root, 'a', 'b', 'pglite');
    await prepareDataDir(dir);
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the file standing where a folder should be', async () => {
    await writeFile(join(root, 'file'), '');
    await expect(prepareDataDir(join(root, 'file', 'pglite'))).rejects.toMatchObject({
      name: 'DatabaseOpenError',
      setting: 'pgliteDir',
      message: `cannot use the folder ${join(root, 'file')} (not a directory, ENOTDIR)`,
    });
  });
});
