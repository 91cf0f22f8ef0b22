// Runs once before the browser tests: they need Chromium and a build of the web app.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromiumPath, hasChromium, inCi } from './chromium';

export default function checkPrerequisites(): void {
  if (!hasChromium) {
    const how = `install it (apt-get install -y chromium) or set CHROMIUM_PATH`;
    if (inCi)
      throw new Error(
        `The browser tests must run in CI, and there is no Chromium at ${chromiumPath}: ${how}.`,
      );
    // One line, and the suite passes: `pnpm test` works on a fresh machine. turbo may replay
    // this result from its cache once Chromium is installed; `pnpm test --force` reruns.
    console.warn(
      `NOTICE: browser tests skipped, no Chromium at ${chromiumPath}; ${how} (then pnpm test --force).`,
    );
    return;
  }
  const page = fileURLToPath(new URL('../dist/index.html', import.meta.url));
  if (!existsSync(page)) {
    throw new Error(
      `The web app is not built (no ${page}): run pnpm build, or pnpm test, which builds it.`,
    );
  }
}
