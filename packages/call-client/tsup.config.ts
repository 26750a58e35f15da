import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const internalTypes = fileURLToPath(new URL('../internal/src/index.ts', import.meta.url));

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    status: 'src/status.ts',
    'twilio/index': 'src/twilio/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/msw': 'src/testing/msw.ts',
    'testing/contract': 'src/testing/contract.ts',
    'testing/cli': 'src/testing/cli.ts',
  },
  format: ['esm', 'cjs'],
  // The private helpers every package shares are bundled in, code and types: users never see
  // `@ringkit/internal`. Its types are read from its sources, outside node_modules, so the
  // declaration bundler inlines them and every file they import (tests/packed checks that no
  // declaration file names it).
  noExternal: ['@ringkit/internal'],
  dts: { compilerOptions: { paths: { '@ringkit/internal': [internalTypes] } } },
  sourcemap: true,
  // `import.meta.url` in the CommonJS build (where @opentelemetry/api is looked up from).
  shims: true,
  clean: true,
  target: 'node22',
  external: ['vitest'],
});
