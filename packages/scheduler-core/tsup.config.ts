import { packageBuildConfig } from '../../tsup.shared.js';

export default packageBuildConfig({
  entry: {
    index: 'src/index.ts',
    memory: 'src/stores/memory/memory.ts',
    sqlite: 'src/stores/sqlite/sqlite.ts',
    postgres: 'src/stores/postgres/postgres.ts',
    testing: 'src/testing/index.ts',
  },
  external: ['vitest', 'pg'],
  // Keep 'node:sqlite' as written: it only exists under the node: prefix.
  removeNodeProtocol: false,
});
