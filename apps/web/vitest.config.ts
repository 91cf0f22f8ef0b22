// The browser tests (e2e/): one worker, so one server and one Chromium at a time on two cores; and
// the unit tests of the app's own logic (src/), which start neither (the global setup still looks
// for Chromium and the built app, as it does for `pnpm test`).
import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

export default defineConfig({
  test: {
    ...sharedTestConfig.test,
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    maxWorkers: 1,
    // A page can wait on the server, the database and the browser at once.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
