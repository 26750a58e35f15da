/**
 * A worker process of bench/campaigns/dialer.ts's durable rows, started with `fork()` and IPC; argv[2] is a
 * JSON `DialerWorkerTask`. It works one durable campaign on `createPostgresStore` (the same schema and
 * campaign as the other workers) through `createDialer({ store, campaign, workerId })`, with a
 * provider that places its calls through the parent (the fake provider lives there, shared by
 * every worker):
 *
 * - to the parent: `{ type: 'ready' }` once the store is migrated; `{ type: 'place', n, to }` for
 *   each `placeCall`; `{ type: 'written', callId }` once a placement's answer is stored (the
 *   dialer's `placement` event); `{ type: 'started' }`; `{ type: 'error', source, message }` for
 *   the dialer's `error` events; `{ type: 'closed', cpuMs, startCpuMs, statements, connects,
 *   claimsMs }` before it exits (its CPU, the part of it before its first `placeCall`, the
 *   statements it sent, the connections it opened and how long each of its `claimCampaign`s
 *   took, from `start` to `close`);
 * - from the parent: `{ type: 'start' }`; `{ type: 'placed', n, call }`, the answer to a
 *   `place`; `{ type: 'status', event }`, a webhook (`at` in epoch ms); `{ type: 'close' }`.
 */
import type { CallProvider, CallStatusEvent, ProviderCall } from '@ringkit/call-client';
import { createDialer } from '@ringkit/dialer';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import pg from 'pg';
import { CpuWindow, reportClosed } from './_dialer-harness.js';
import { POOL_SIZE } from './_dialer-settings.js';

export interface DialerWorkerTask {
  url: string;
  schema: string;
  applicationName: string;
  campaign: string;
  callerId: string;
  workerId: string;
  numbers: string[];
  concurrency: number;
}

export type ToWorker =
  | { type: 'start' }
  | { type: 'placed'; n: number; call: ProviderCall }
  | { type: 'status'; event: Omit<CallStatusEvent, 'at'> & { at: number } }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'place'; n: number; to: string }
  | { type: 'written'; callId: string }
  | { type: 'error'; source: string; message: string }
  | { type: 'failed'; message: string }
  | {
      type: 'closed';
      cpuMs: number;
      startCpuMs: number;
      statements: number;
      connects: number;
      claimsMs: number[];
    };

const task = JSON.parse(process.argv[2]!) as DialerWorkerTask;
const send = (message: FromWorker) => process.send!(message);
process.on('uncaughtException', (error) => {
  console.error(`dialer bench ${task.workerId}: uncaught`, error);
  process.exit(1);
});

const answers = new Map<number, (call: ProviderCall) => void>();
let asked = 0;
const provider: CallProvider = {
  name: 'bench',
  capabilities: { polling: false, webhooks: true },
  placeCall(request) {
    const n = asked++;
    cpu.placing();
    send({ type: 'place', n, to: request.to });
    return new Promise((resolve) => answers.set(n, resolve));
  },
};

/**
 * Statements sent (a `BEGIN` and a `COMMIT` count, a simple query of several counts once), and
 * connections opened.
 */
const counts = { statements: 0, connects: 0 };
class CountingClient extends pg.Client {
  override connect(...args: unknown[]): never {
    counts.connects += 1;
    return (super.connect as (...a: unknown[]) => never)(...args);
  }
  override query(...args: unknown[]): never {
    counts.statements += 1;
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}
// Its pool's connections opened in `ready()`, as the floor's are before the run (`POOL_SIZE`).
const store = createPostgresStore(
  {
    connectionString: task.url,
    application_name: task.applicationName,
    Client: CountingClient,
    min: POOL_SIZE,
    max: POOL_SIZE,
  },
  { schema: task.schema },
);
await store.ready();
/** How long each `claimCampaign` took, ms (the lock of the campaign's row, the claim, its wake). */
const claims: number[] = [];
const claimCampaign = store.claimCampaign!.bind(store);
store.claimCampaign = async (...args) => {
  const t0 = performance.now();
  try {
    return await claimCampaign(...args);
  } finally {
    claims.push(performance.now() - t0);
  }
};
const dialer = createDialer({
  provider,
  store,
  campaign: task.campaign,
  callerId: task.callerId,
  numbers: task.numbers,
  concurrency: task.concurrency,
  workerId: task.workerId,
});
dialer.on('placement', (e) => {
  if (e.callId !== null) send({ type: 'written', callId: e.callId });
});
dialer.on('error', (e) => send({ type: 'error', source: e.source, message: String(e.error) }));

const cpu = new CpuWindow();
process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'placed': {
      const answer = answers.get(message.n);
      answers.delete(message.n);
      answer?.(message.call);
      break;
    }
    case 'status':
      dialer.handleStatus({ ...message.event, at: new Date(message.event.at) });
      break;
    case 'start':
      cpu.start();
      counts.statements = 0;
      counts.connects = 0;
      claims.length = 0;
      dialer.start().then(
        () => send({ type: 'started' }),
        (error: unknown) => send({ type: 'failed', message: String(error) }),
      );
      break;
    case 'close':
      void reportClosed(cpu, counts, claims, async () => {
        await dialer.close();
        await store.close();
      });
      break;
  }
});
send({ type: 'ready' });
