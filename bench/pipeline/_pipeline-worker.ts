/**
 * A worker process of bench/pipeline/pipeline.ts, started with `fork()` and IPC; argv[2] is a JSON
 * `WorkerTask`:
 *
 * - `fetch`: on `{ type: 'go' }`, makes `calls` plain-fetch POSTs to the polling simulator,
 *   `concurrency` at a time, then answers `{ type: 'done', cpu }`.
 * - `scheduler`: a scheduler on the PostgreSQL store (schema `schema`) with the polling client,
 *   started at once; answers `{ type: 'ready' }`, and on `{ type: 'stop' }` stops and answers
 *   `{ type: 'done', cpu, gets, unchanged }`.
 *
 * - `floor`: the floor of bare `pg` and `fetch` (`_pipeline-floor.ts`) on the tables of schema
 *   `schema`, its pool connected; on `{ type: 'go' }`, places calls until none is left to claim,
 *   following each by polling every `followMs` when given, then answers
 *   `{ type: 'done', cpu, placed, statements, gets }`; on `{ type: 'stop' }` it stops following
 *   and ends.
 *
 * `cpu` is the CPU time this process used while working, in ms; `gets`, the status requests
 * (`getCall`) the scheduler made to follow its calls, `unchanged` those of them that found a
 * call in the status the poll before had found it in.
 */
import { createMockCallApiClient } from '@ringkit/call-client';
import { createScheduler } from '@ringkit/scheduler-core';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { openFloor } from './_pipeline-floor.js';

export type WorkerTask =
  | { mode: 'fetch'; url: string; calls: number; concurrency: number; offset: number }
  | {
      mode: 'scheduler';
      url: string;
      connectionString: string;
      schema: string;
      concurrency: number;
    }
  | {
      mode: 'floor';
      url: string;
      connectionString: string;
      schema: string;
      concurrency: number;
      followMs?: number;
    };

const task = JSON.parse(process.argv[2]!) as WorkerTask;
const send = (message: object) => process.send!(message);
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

if (task.mode === 'fetch') {
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'go') return;
    void (async () => {
      const cpu = process.cpuUsage();
      let next = 0;
      const endpoint = `${task.url}/api/call`;
      await Promise.all(
        Array.from({ length: task.concurrency }, async () => {
          while (next < task.calls) {
            const i = task.offset + next++;
            const response = await fetch(endpoint, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ phone_number: `+1415${String(3_000_000 + i)}` }),
            });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            await response.json();
          }
        }),
      );
      send({ type: 'done', cpu: cpuMs(cpu) });
    })();
  });
  send({ type: 'ready' });
} else if (task.mode === 'floor') {
  const floor = await openFloor(task.connectionString, task.schema, `floor-${process.pid}`);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'go') {
      void (async () => {
        const lane = await floor.run(task.url, task.concurrency, task.followMs);
        const { cpuMs: cpu, placed, statements, gets } = lane;
        send({ type: 'done', cpu, placed, statements, gets });
      })();
    } else if (message.type === 'stop') {
      void floor.close().then(() => process.disconnect());
    }
  });
  send({ type: 'ready' });
} else {
  const store = createPostgresStore(
    { connectionString: task.connectionString },
    { schema: task.schema },
  );
  await store.ready();
  const provider = createMockCallApiClient({ baseUrl: task.url });
  const getCall = provider.getCall.bind(provider);
  let gets = 0;
  /** The status each polled call was last seen in, and the polls that saw it unchanged. */
  const seen = new Map<string, string>();
  let unchanged = 0;
  provider.getCall = async (...args) => {
    gets += 1;
    const call = await getCall(...args);
    if (seen.get(call.id) === call.status) unchanged += 1;
    seen.set(call.id, call.status);
    return call;
  };
  const scheduler = createScheduler({
    store,
    provider,
    callerId: '+14155550100',
    concurrency: task.concurrency,
  });
  const cpu = process.cpuUsage();
  await scheduler.start();
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    void (async () => {
      const used = cpuMs(cpu);
      const made = gets;
      const same = unchanged;
      await scheduler.stop();
      await store.close();
      send({ type: 'done', cpu: used, gets: made, unchanged: same });
      process.disconnect();
    })();
  });
  send({ type: 'ready' });
}
