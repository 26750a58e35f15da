/**
 * A process that opens a SQLite store, writes a row and never closes the store, run with
 * `sourceExecArgv()` of `@ringkit/internal/testing`: the store's checkpoint thread must not keep
 * it alive.
 * argv[2] is the file's path.
 */
import { createSqliteStore } from '../src/stores/sqlite/sqlite.js';
import { storedCall } from '../src/testing/store-contract.js';

const store = createSqliteStore({ path: process.argv[2]! });
await store.insert(storedCall({ id: 'left-open' }));
console.log('written');
