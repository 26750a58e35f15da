import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { server: 'src/server.ts', demo: 'src/demo.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node22',
});
