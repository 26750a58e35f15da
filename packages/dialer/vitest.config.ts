import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const callClient = (path: string) =>
  fileURLToPath(new URL(`../call-client/src/${path}`, import.meta.url));
const schedulerCore = (path: string) =>
  fileURLToPath(new URL(`../scheduler-core/src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@ringkit\/call-client\/testing\/msw$/, replacement: callClient('testing/msw.ts') },
      { find: /^@ringkit\/call-client\/testing$/, replacement: callClient('testing/index.ts') },
      { find: /^@ringkit\/call-client$/, replacement: callClient('index.ts') },
      {
        find: /^@ringkit\/scheduler-core\/(memory|sqlite|postgres)$/,
        replacement: schedulerCore('stores/$1/$1.ts'),
      },
      { find: /^@ringkit\/scheduler-core$/, replacement: schedulerCore('index.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
