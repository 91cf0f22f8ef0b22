// An embedded database folder for a server started as a process (process.ts), per test.
import { rm } from 'node:fs/promises';
import { migratedDataDir } from '@conduit/db/testing';
import { onTestFinished } from 'vitest';

/**
 * PGLITE_DIR for a server process: a migrated embedded database of its own, which it opens in
 * about 2.5 s where `memory://` takes 5.5 (PGlite's initdb), removed when the test ends.
 * `onFinished`: a concurrent test's own `t.onTestFinished`.
 */
export async function embeddedDatabaseFolder(
  onFinished: (cleanup: () => Promise<void>) => void = onTestFinished,
): Promise<string> {
  const dir = await migratedDataDir();
  onFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
