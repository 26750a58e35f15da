/**
 * `recordCall` under races: the updates of one inbound call, repeated and shuffled, handed to
 * two workers that each record theirs all at once, against every store (SQLite and PostgreSQL
 * with a process per worker). Whatever the interleaving, one record of the call is stored, and
 * it is the merge of all its updates.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceExecArgv } from '@ringkit/internal/testing';
import { createFakeProvider } from '@ringkit/simulator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_NUMBER, arrivals, inboundCall } from '../test/inbound-calls.js';
import {
  describeWithDatabase,
  dropSchemas,
  holdDatabaseLock,
  randomSchema,
} from '../test/pg-testing.js';
import type { RecordWorkerConfig, RecordWorkerMessage } from '../test/record-worker.js';
import { createScheduler } from './scheduler.js';
import { fullRecord, type Store, type StoredCallRecord } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createPostgresStore } from './stores/postgres/postgres.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import type { RecordCallInput } from './types.js';
import { mergeCallRecords } from './_merge-records.js';
import { validateRecordCall } from './_record-call.js';

/** Two workers recording into one store, and a connection of the test's own to read it. */
interface Race {
  store: Store;
  /** Worker `worker` hands every input to `recordCall` at once; resolves when all are stored. */
  record(worker: 0 | 1, inputs: RecordCallInput[]): Promise<void>;
}

/** The records of `phone`'s history with this id (at most 100 runs' worth of history). */
async function recordsWithId(store: Store, phone: string, id: string) {
  const found: StoredCallRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<Store['listCallLog']>> = await store.listCallLog({
      phone: phone,
      cursor,
      limit: 200,
    });
    found.push(...page.items.filter((record) => record.id === id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return found;
}

let calls = 0;

/** Runs the race `numRuns` times: each run a new call, its updates split between the workers. */
async function checkRaces(race: () => Race, numRuns: number) {
  const scenario = inboundCall('unused').chain((call) =>
    fc.tuple(
      fc.constant(call),
      arrivals(call.updates),
      fc.array(fc.constantFrom<0 | 1>(0, 1), { minLength: 16, maxLength: 16 }),
    ),
  );
  await fc.assert(
    fc.asyncProperty(scenario, async ([call, order, sides]) => {
      const id = `twilio:CA${++calls}`;
      const inputs = order.map((update) => ({ ...update, id }));
      const { store, record } = race();
      await Promise.all(
        ([0, 1] as const).map((worker) =>
          record(
            worker,
            inputs.filter((_, i) => sides[i % sides.length] === worker),
          ),
        ),
      );
      const expected = call.updates
        .map((update) =>
          validateRecordCall(
            { ...update, id },
            { defaultCountry: 'US', callerId: APP_NUMBER, generateId: () => id },
          ),
        )
        .reduce(mergeCallRecords);
      expect(await recordsWithId(store, call.caller, id)).toEqual([fullRecord(expected)]);
      expect(await recordsWithId(store, APP_NUMBER, id)).toHaveLength(1);
    }),
    { numRuns },
  );
}

/** Two schedulers of this process over `store`. */
function inProcess(store: Store): Race {
  const schedulers = [0, 1].map(() =>
    createScheduler({ store, provider: createFakeProvider(), callerId: APP_NUMBER }),
  );
  return {
    store,
    async record(worker, inputs) {
      await Promise.all(inputs.map((input) => schedulers[worker]!.recordCall(input)));
    },
  };
}

const script = fileURLToPath(new URL('../test/record-worker.ts', import.meta.url));

/** A worker process (`test/record-worker.ts`) over the store `config` names. */
async function startWorker(config: RecordWorkerConfig) {
  const child: ChildProcess = fork(script, [JSON.stringify(config)], {
    execArgv: sourceExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let answer: ((message: RecordWorkerMessage) => void) | null = null;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`record worker exited (${code})`)));
    child.on('message', (message: RecordWorkerMessage) => {
      if (message.type === 'ready') resolve();
      else answer?.(message);
    });
  });
  return {
    record: (inputs: RecordCallInput[]) =>
      new Promise<void>((resolve, reject) => {
        answer = (message) => {
          answer = null;
          if (message.type === 'error') reject(new Error(`record worker: ${message.message}`));
          else resolve();
        };
        child.send({ type: 'record', inputs });
      }),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      await exited;
    },
  };
}

/** Two worker processes over the store `config` names; `store` reads it. */
function workerProcesses(config: RecordWorkerConfig, open: () => Store) {
  let workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  let store: Store | undefined;
  beforeAll(async () => {
    store = open();
    // The schema or file exists, migrated, before the workers open it.
    await store.listCallLog({ phone: APP_NUMBER, limit: 1 });
    workers = await Promise.all([startWorker(config), startWorker(config)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await store?.close();
  });
  return (): Race => ({
    store: store!,
    record: (worker, inputs) => workers[worker]!.record(inputs),
  });
}

describe('recordCall of one inbound call from two workers at once (fast-check)', () => {
  it('stores one record, the merge of every update, in a memory store', async () => {
    const store = createMemoryStore();
    const race = inProcess(store);
    await checkRaces(() => race, 300);
  });

  it('stores one record, the merge of every update, in a store without mergeCallRecord (one process)', async () => {
    const { mergeCallRecord: _, ...withoutMerge } = createMemoryStore();
    const race = inProcess(withoutMerge);
    await checkRaces(() => race, 200);
  });

  describe('in a SQLite file, a process per worker', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringkit-record-race-'));
    const path = join(dir, 'race.db');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const race = workerProcesses({ store: 'sqlite', path }, () => createSqliteStore({ path }));

    it('stores one record, the merge of every update', async () => {
      await checkRaces(race, 150);
    }, 120_000);
  });
});

describeWithDatabase(
  'recordCall of one inbound call from two PostgreSQL workers at once',
  (url) => {
    const schema = randomSchema();
    let release: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      release = await holdDatabaseLock(url, 'shared');
    }, 180_000);
    afterAll(async () => {
      await dropSchemas(url, [schema]);
      await release?.();
    });
    const race = workerProcesses({ store: 'postgres', url, schema }, () =>
      createPostgresStore({ connectionString: url, max: 2 }, { schema }),
    );

    it('stores one record, the merge of every update (fast-check)', async () => {
      await checkRaces(race, 150);
    }, 120_000);
  },
);
