/**
 * One worker process of the `recordCall` race tests, run with `sourceExecArgv()` of
 * `@ringkit/internal/testing`: a scheduler over a SQLite file or a PostgreSQL schema that
 * others share. Its store comes as JSON in argv[2] ({@link RecordWorkerConfig}). It reports
 * `{ type: 'ready' }`; on each message `{ type: 'record', inputs }` it hands every input to
 * `recordCall` at once and answers `{ type: 'recorded' }` when all are stored, or
 * `{ type: 'error', message }`; on `'stop'` it closes its store and exits.
 */
import { createFakeProvider } from '@ringkit/simulator';
import { createScheduler } from '../src/scheduler.js';
import type { Store } from '../src/store.js';
import { createPostgresStore } from '../src/stores/postgres/postgres.js';
import { createSqliteStore } from '../src/stores/sqlite/sqlite.js';
import type { RecordCallInput } from '../src/types.js';
import { APP_NUMBER } from './inbound-calls.js';

export type RecordWorkerConfig =
  { store: 'sqlite'; path: string } | { store: 'postgres'; url: string; schema: string };

export type RecordWorkerMessage =
  { type: 'ready' } | { type: 'recorded' } | { type: 'error'; message: string };

const config = JSON.parse(process.argv[2]!) as RecordWorkerConfig;
const send = (message: RecordWorkerMessage) => {
  if (process.connected) process.send?.(message);
};

const store: Store =
  config.store === 'sqlite'
    ? createSqliteStore({ path: config.path })
    : createPostgresStore({ connectionString: config.url, max: 4 }, { schema: config.schema });
const scheduler = createScheduler({ store, provider: createFakeProvider(), callerId: APP_NUMBER });
send({ type: 'ready' });

process.on('message', (message: { type: 'record'; inputs: RecordCallInput[] } | 'stop') => {
  if (message === 'stop') {
    void store.close().then(() => {
      process.disconnect();
      process.exit(0);
    });
    return;
  }
  Promise.all(message.inputs.map((input) => scheduler.recordCall(input))).then(
    () => send({ type: 'recorded' }),
    (error: unknown) => send({ type: 'error', message: String(error) }),
  );
});
