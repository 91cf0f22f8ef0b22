// The embedded database's folder: created if missing, and known to be writable before PGlite
// spends seconds starting only to fail with an errno and no path.
import { randomUUID } from 'node:crypto';
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pgliteOpenError } from './open-errors';

/** Creates `dir` (and its parents) if missing and checks a file can be written there. */
export async function prepareDataDir(dir: string): Promise<void> {
  const missing = await missingFolders(resolve(dir));
  for (const folder of missing) {
    // One level at a time, not mkdir's `recursive`: where a file system refuses with ENOENT
    // although the parent exists (/proc), Node's recursive mkdir retries forever.
    await mkdir(folder).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'EEXIST') return; // made meanwhile
      throw pgliteOpenError(folder, 'create the folder', error);
    });
  }
  const probe = resolve(dir, `.write-check-${randomUUID()}`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (error) {
    throw pgliteOpenError(dir, 'write to', error);
  }
  await unlink(probe);
}

/** The folders of `path` that do not exist yet, outermost first; throws if one is not a folder. */
async function missingFolders(path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let folder = path; ; folder = dirname(folder)) {
    const found = await stat(folder).catch((error: unknown) => {
      // Missing, or under a file (ENOTDIR): look further up, to name the file in the way.
      const { code } = error as { code?: unknown };
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw pgliteOpenError(folder, 'use the folder', error);
    });
    if (found?.isDirectory()) return missing.reverse();
    if (found) {
      const notAFolder = Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      throw pgliteOpenError(folder, 'use the folder', notAFolder);
    }
    if (dirname(folder) === folder) return missing.reverse(); // the root: nothing above
    missing.push(folder);
  }
}
