import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    memory: 'src/adapters/memory.ts',
    sqlite: 'src/adapters/sqlite.ts',
    postgres: 'src/adapters/postgres.ts',
    testing: 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  external: ['vitest', 'pg'],
  // Keep 'node:sqlite' as written: it only exists under the node: prefix.
  removeNodeProtocol: false,
});
