import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { sourceResolve } from '../../vitest.shared.js';

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The pages: one HTML file per route, built to dist/public and served by the Express app. */
export default defineConfig({
  resolve: sourceResolve.resolve,
  root: path('./src/client'),
  base: '/',
  publicDir: false,
  build: {
    outDir: path('./dist/public'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The polyfill would be an inline script, which the content security policy refuses.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: {
        index: path('./src/client/index.html'),
        dialer: path('./src/client/dialer.html'),
        calls: path('./src/client/calls.html'),
        ops: path('./src/client/ops.html'),
        doNotCall: path('./src/client/do-not-call.html'),
        agents: path('./src/client/agents.html'),
        notFound: path('./src/client/404.html'),
      },
    },
  },
  // `pnpm --filter @ringkit/demo exec vite` next to a running server: the API goes to it.
  server: {
    proxy: {
      '/api': 'http://localhost:4000',
      '/embed.js': 'http://localhost:4000',
      '/metrics': 'http://localhost:4000',
    },
  },
});
