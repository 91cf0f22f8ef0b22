// Connecting a deployment's error tracker: ERROR_REPORTER names an ES module whose default export
// is called with every unexpected error (see @conduit/telemetry's reportError and the README).
// Loaded once at start; a module that cannot be loaded stops the start, naming the variable.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ErrorReporter } from '@conduit/telemetry';

/** `path`: absolute, or relative to the directory the server starts from. */
export async function loadErrorReporter(path: string): Promise<ErrorReporter> {
  const url = pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
  let loaded: { default?: unknown };
  try {
    loaded = (await import(url)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`ERROR_REPORTER cannot be loaded from ${path}: ${reason}`);
  }
  if (typeof loaded.default !== 'function') {
    throw new Error(
      `ERROR_REPORTER ${path} must export a function as its default: (error, context) => void`,
    );
  }
  return loaded.default as ErrorReporter;
}
