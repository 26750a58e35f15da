import { defineConfig } from 'tsup';

/** The server (`dist/server.js`) and `pnpm demo` (`dist/demo.js`); the front end is Vite's. */
export default defineConfig({
  entry: { server: 'src/main.ts', demo: 'src/demo.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node22',
});
