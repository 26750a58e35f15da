import { defineConfig } from 'vitest/config';

/**
 * The browser test: the built app (`dist/`) in Debian's Chromium through playwright-core. Run
 * `pnpm build` first (the root `pnpm test` does). A run fails if it changed `screenshots/*.png`,
 * unless it is `pnpm screenshots` (`RINGKIT_SCREENSHOTS=1`).
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    globalSetup: ['e2e/_screenshots-unchanged.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
