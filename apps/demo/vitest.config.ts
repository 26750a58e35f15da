import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, path: string) =>
  fileURLToPath(new URL(`../../packages/${pkg}/src/${path}`, import.meta.url));

/** Unit and route tests run against the packages' sources, so they need no build. */
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@ringkit\/call-client\/testing\/msw$/,
        replacement: src('call-client', 'testing/msw.ts'),
      },
      {
        find: /^@ringkit\/call-client\/testing$/,
        replacement: src('call-client', 'testing/index.ts'),
      },
      { find: /^@ringkit\/call-client\/status$/, replacement: src('call-client', 'status.ts') },
      {
        find: /^@ringkit\/call-client\/twilio$/,
        replacement: src('call-client', 'twilio/index.ts'),
      },
      { find: /^@ringkit\/call-client$/, replacement: src('call-client', 'index.ts') },
      { find: /^@ringkit\/dialer$/, replacement: src('dialer', 'index.ts') },
      {
        find: /^@ringkit\/scheduler-core\/(memory|sqlite|postgres)$/,
        replacement: src('scheduler-core', 'stores/$1/$1.ts'),
      },
      {
        find: /^@ringkit\/scheduler-core\/testing$/,
        replacement: src('scheduler-core', 'testing/index.ts'),
      },
      { find: /^@ringkit\/scheduler-core$/, replacement: src('scheduler-core', 'index.ts') },
    ],
  },
  test: { include: ['src/**/*.test.ts'], testTimeout: 20_000 },
});
