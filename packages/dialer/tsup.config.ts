import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  // The private helpers every package shares are bundled in, code and types: users never see
  // `@ringkit/internal`.
  noExternal: ['@ringkit/internal'],
  dts: { resolve: ['@ringkit/internal'] },
  sourcemap: true,
  // `import.meta.url` in the CommonJS build (where @opentelemetry/api is looked up from).
  shims: true,
  clean: true,
  target: 'node22',
});
