import type { ViteUserConfig } from 'vitest/config';
import { SkipSummary } from './vitest.skips.ts';

/**
 * Shared by every package's vitest.config.ts. Test files of one worker share its database
 * (see @conduit/db/testing), so modules are not re-isolated per file; two workers for two cores.
 */
export const sharedTestConfig = {
  test: {
    pool: 'forks',
    isolate: false,
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', new SkipSummary()],
  },
} satisfies ViteUserConfig;
