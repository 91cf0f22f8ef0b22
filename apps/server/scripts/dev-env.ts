// The environment `pnpm dev` gives the server and Vite: the caller's, filled in from the .env file
// at the repository's root, as `pnpm start` (which runs there) reads it. Without this, each app
// would look for a .env in its own folder, where turbo starts it.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * `env` with the variables of `<root>/.env` it does not set. As everywhere in Conduit, a variable
 * set to the empty string in .env counts as unset (Vite would read `PORT=` as port ""). A relative
 * PGLITE_DIR is made absolute from the root, where `pnpm start` resolves it too.
 */
export function devEnvironment(root: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = resolve(root, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(fromFile)) {
    if (merged[name] === undefined && value !== undefined && value !== '') merged[name] = value;
  }
  const dir = merged.PGLITE_DIR;
  if (dir && dir !== 'memory://' && !isAbsolute(dir)) merged.PGLITE_DIR = resolve(root, dir);
  return merged;
}
