/**
 * A worker process of bench/campaigns/mixed.ts, started with `fork()` and IPC; argv[2] is a JSON
 * `MixedWorkerTask`. It runs `createCallCenter` on `createPostgresStore` (the same schema as the
 * other worker), with a provider whose requests go to the parent (which answers them and records
 * when each arrived):
 *
 * - to the parent: `{ type: 'ready' }` once the store is migrated; `{ type: 'place', n, to }` for
 *   each `placeCall`; `{ type: 'set' }` once `setup` is done; `{ type: 'error', message }`;
 *   `{ type: 'closed' }` before it exits;
 * - from the parent: `{ type: 'setup', campaigns, scheduled, afterMs }` (one worker creates the
 *   campaigns, all at once, then schedules the burst); `{ type: 'start' }`; `{ type: 'placed', n, id }`;
 *   `{ type: 'status', callId, status }`, a webhook; `{ type: 'close' }`.
 */
import type { CallProvider, CallStatus } from '@ringkit/call-client';
import { createCallCenter } from '@ringkit/dialer';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';

export interface MixedWorkerTask {
  url: string;
  schema: string;
  workerId: string;
  callsPerSecond: number;
  /** The scheduled calls' weight in the shared budget (each campaign's is 1). */
  schedulerWeight: number;
  /** Each campaign's cap on calls in flight. */
  concurrency: number;
}

export type ToMixedWorker =
  | {
      type: 'setup';
      campaigns: { name: string; numbers: string[] }[];
      scheduled: string[];
      /** The burst is due this long after the last campaign is created. */
      afterMs: number;
    }
  | { type: 'start' }
  | { type: 'placed'; n: number; id: string }
  | { type: 'status'; callId: string; status: CallStatus }
  | { type: 'close' };

export const BUDGET = 'account';
const PROVIDER = 'mixed-bench';

const task = JSON.parse(process.argv[2]!) as MixedWorkerTask;
const send = (message: object) => process.send!(message);
const store = createPostgresStore(
  { connectionString: task.url, application_name: `ringkit-mixed-${task.workerId}` },
  { schema: task.schema },
);
await store.ready();

const answers = new Map<number, (id: string) => void>();
let placed = 0;
const provider: CallProvider = {
  name: PROVIDER,
  capabilities: { polling: false, webhooks: true },
  async placeCall({ to }) {
    const n = placed++;
    const id = await new Promise<string>((resolve) => {
      answers.set(n, resolve);
      send({ type: 'place', n, to });
    });
    return { id, status: 'initiated', providerStatus: 'queued', raw: {} };
  },
};

const center = createCallCenter({
  store,
  provider,
  callerId: '+14155550100',
  scheduler: {
    workerId: task.workerId,
    callsPerSecond: task.callsPerSecond,
    budget: { name: BUDGET, weight: task.schedulerWeight },
    concurrency: 50,
  },
  campaigns: { workerId: task.workerId, refreshIntervalMs: 500 },
});
const report = (error: unknown) =>
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
center.scheduler.on('error', ({ error }) => report(error));
center.campaigns!.on('error', ({ error }) => report(error));

process.on('message', (message: ToMixedWorker) => {
  switch (message.type) {
    case 'setup':
      void (async () => {
        // Every campaign at once, then the burst, due once they are all dialing.
        await Promise.all(
          message.campaigns.map(({ name, numbers }) =>
            center.campaigns!.create(name, numbers, {
              concurrency: task.concurrency,
              callsPerSecond: task.callsPerSecond,
              budget: { name: BUDGET, weight: 1 },
            }),
          ),
        );
        const at = new Date(Date.now() + message.afterMs);
        await center.scheduler.scheduleMany(message.scheduled.map((to) => ({ to, at })));
        send({ type: 'set' });
      })().catch(report);
      break;
    case 'start':
      center.start().catch(report);
      break;
    case 'placed':
      answers.get(message.n)?.(message.id);
      answers.delete(message.n);
      break;
    case 'status':
      center
        .handleStatus({
          callId: message.callId,
          status: message.status,
          providerStatus: message.status,
          at: new Date(),
          provider: PROVIDER,
        })
        .catch(report);
      break;
    case 'close':
      void (async () => {
        await center.stop().catch(report);
        await store.close();
        send({ type: 'closed' });
        process.exit(0);
      })();
      break;
  }
});
send({ type: 'ready' });
