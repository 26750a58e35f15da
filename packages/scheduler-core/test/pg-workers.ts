/** Starts scheduler worker processes (`pg-worker.ts`) for the multi-process tests. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { sourceExecArgv } from '@ringkit/internal/testing';
import { createPostgresStore, type PostgresStore } from '../src/stores/postgres/postgres.js';
import { dropSchemas, holdDatabaseLock, randomSchema } from './pg-testing.js';
import type { PgWorkerConfig, PgWorkerMessage } from './pg-worker.js';

const script = fileURLToPath(new URL('./pg-worker.ts', import.meta.url));

export interface Worker {
  id: string;
  child: ChildProcess;
  messages: PgWorkerMessage[];
  exited: Promise<number | null>;
}

/** Forks one worker; resolves once it reports `ready`. */
export function startWorker(config: PgWorkerConfig): Promise<Worker> {
  const child = fork(script, [JSON.stringify(config)], {
    execArgv: sourceExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: PgWorkerMessage[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    child.on('message', (message: PgWorkerMessage) => {
      messages.push(message);
      if (message.type === 'ready') resolve({ id: config.workerId, child, messages, exited });
    });
    child.on('exit', (code) => reject(new Error(`worker ${config.workerId} exited (${code})`)));
  });
}

/**
 * A suite of worker processes sharing one schema of the database at `url`: holds the shared
 * database lock while it runs, then kills its workers, closes its store and drops the schema.
 * Push the workers started to `workers`; `openStore()` opens the suite's own store.
 */
export function workerSuite(url: string) {
  const schema = randomSchema();
  const workers: Worker[] = [];
  let store: PostgresStore | undefined;
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await holdDatabaseLock(url, 'shared');
  }, 180_000);
  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await store?.close();
    await dropSchemas(url, [schema]);
    await release?.();
  });
  return {
    schema,
    workers,
    async openStore(): Promise<PostgresStore> {
      store = createPostgresStore({ connectionString: url, max: 4 }, { schema });
      await store.ready();
      return store;
    },
  };
}
