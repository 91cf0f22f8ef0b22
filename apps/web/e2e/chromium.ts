// Where the browser tests find Chromium, and how they start it (see docs/architecture.md: the system
// Chromium; test tools that download their own browser do not work on these machines).
import { existsSync } from 'node:fs';

/** The system Chromium (Debian/Ubuntu: `apt-get install chromium`), or CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const hasChromium = existsSync(chromiumPath);

/** CI must run the browser tests; a developer's machine without Chromium may skip them. */
export const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

/**
 * Headless, without the sandbox (containers run as root), GPU or QUIC, and with every background
 * service that would call Google turned off: the tests prove the app makes no external request.
 */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
