import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

// The bench's pure parts (options, tables, chart) are tested with the server's suites.
export default defineConfig({
  ...sharedTestConfig,
  test: {
    ...sharedTestConfig.test,
    include: [...sharedTestConfig.test.include, 'bench/**/*.test.ts'],
  },
});
