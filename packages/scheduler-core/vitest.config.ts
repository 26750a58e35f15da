import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const callClient = (path: string) =>
  fileURLToPath(new URL(`../call-client/src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@ringkit\/call-client\/testing\/msw$/, replacement: callClient('testing/msw.ts') },
      { find: /^@ringkit\/call-client\/testing$/, replacement: callClient('testing/index.ts') },
      { find: /^@ringkit\/call-client\/twilio$/, replacement: callClient('twilio/index.ts') },
      { find: /^@ringkit\/call-client$/, replacement: callClient('index.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
