import { defineConfig } from 'vitest/config';

/**
 * The browser test: the built app (`dist/`) in Debian's Chromium through playwright-core. Run
 * `pnpm build` first (the root `pnpm test` does).
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
