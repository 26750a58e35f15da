/**
 * One durable dialer process of `dialer.crash.test.ts`, run with `sourceExecArgv()` of `@ringkit/internal/testing`
 * (see `crash-harness.ts`). Its settings come as JSON in argv[2]. It places its calls through the
 * practice-API simulator the test runs (polling or webhook flavour), reports each `placeCall`
 * before it is sent, takes the webhooks the test's router hands it, and reports `drained` when
 * its snapshot shows every entry ended. It stops gracefully on `{ type: 'stop' }`; the test may
 * also kill it with SIGKILL at any moment.
 */
import {
  createMockCallApiClient,
  createNumDialerClient,
  parseStatusWebhook,
  type CallProvider,
} from '@ringkit/call-client';
import type { Store } from '@ringkit/scheduler-core';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import { createDialer } from '../src/dialer.js';
import type { DialerEntry } from '../src/types.js';

export interface CrashWorkerConfig {
  workerId: string;
  store: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string };
  flavour: 'polling' | 'webhook';
  /** The simulator's base URL. */
  simulatorUrl: string;
  /** Webhook flavour: where the simulator sends this worker's calls' webhooks (the router). */
  webhookUrl?: string;
  campaign: string;
  /** The list; left out, the worker joins the stored campaign. */
  numbers?: string[];
  concurrency: number;
  callTimeoutMs: number;
  leaseMs: number;
  watchIntervalMs: number;
  refreshIntervalMs: number;
  /**
   * Load everything, report `loaded`, and start dialing only on `{ type: 'go' }`: a successor
   * ready to take over the moment its predecessor is killed.
   */
  waitForGo?: boolean;
}

/** What the test sends the worker. */
export type CrashWorkerCommand =
  { type: 'webhook'; id: number; body: string } | { type: 'go' } | { type: 'stop' };

/** What the worker reports. */
export type CrashWorkerMessage =
  | { type: 'loaded' }
  | { type: 'started' }
  /** `placeCall` is being invoked for `to` (sent before the request). */
  | { type: 'placing'; to: string }
  /** A claim took these entries to place (or to settle, when their request may have left). */
  | { type: 'claimed'; to: string[] }
  /** The webhook `id` was handed to `handleStatus`. */
  | { type: 'ack'; id: number; error?: string }
  | { type: 'error'; source: string; message: string }
  | { type: 'drained' }
  | { type: 'stopped'; entries: DialerEntry[] };

const config = JSON.parse(process.argv[2]!) as CrashWorkerConfig;
const send = (message: CrashWorkerMessage) => {
  if (process.connected) process.send?.(message);
};

const opened: Store =
  config.store.kind === 'sqlite'
    ? createSqliteStore({ path: config.store.path })
    : createPostgresStore(
        { connectionString: config.store.url, max: 4, application_name: config.workerId },
        { schema: config.store.schema },
      );
/** The store, telling the test of each entry a claim took `queued` (fresh, or adopted). */
const store = new Proxy(opened, {
  get(target, key, receiver) {
    const value: unknown = Reflect.get(target, key, receiver);
    if (key !== 'claimCampaign' || typeof value !== 'function') return value;
    return async (...args: unknown[]) => {
      const claim = (await value.apply(target, args)) as Awaited<
        ReturnType<NonNullable<Store['claimCampaign']>>
      >;
      const to = claim.calls.filter((c) => c.status === 'queued').map((c) => c.to);
      if (to.length > 0) send({ type: 'claimed', to });
      return claim;
    };
  },
});

const inner: CallProvider =
  config.flavour === 'polling'
    ? createMockCallApiClient({ baseUrl: config.simulatorUrl, retry: 0 })
    : createNumDialerClient({
        baseUrl: config.simulatorUrl,
        webhookUrl: config.webhookUrl!,
        retry: 0,
      });
/** The provider, telling the test of each placement before its request leaves. */
const provider: CallProvider = {
  ...inner,
  placeCall(request) {
    send({ type: 'placing', to: request.to });
    return inner.placeCall(request);
  },
};

const dialer = createDialer({
  provider,
  store,
  campaign: config.campaign,
  callerId: '+14155550100',
  ...(config.numbers ? { numbers: config.numbers } : {}),
  concurrency: config.concurrency,
  callTimeoutMs: config.callTimeoutMs,
  workerId: config.workerId,
  leaseMs: config.leaseMs,
  watchIntervalMs: config.watchIntervalMs,
  refreshIntervalMs: config.refreshIntervalMs,
  maxAttempts: 1,
});
dialer.on('error', ({ error, source }) =>
  send({ type: 'error', source, message: error instanceof Error ? error.message : String(error) }),
);
let drained = false;
const check = () => {
  const entries = dialer.snapshot().entries;
  if (!drained && entries.length > 0 && entries.every((e) => e.endedAt !== null)) {
    drained = true;
    send({ type: 'drained' });
  }
};
dialer.on('drained', check);
dialer.on('progress', check);

let go = () => {};
const told = new Promise<void>((resolve) => (go = resolve));
process.on('message', (command: CrashWorkerCommand) => {
  if (command.type === 'go') {
    go();
    return;
  }
  if (command.type === 'webhook') {
    try {
      dialer.handleStatus(parseStatusWebhook(command.body));
      send({ type: 'ack', id: command.id });
    } catch (error) {
      send({ type: 'ack', id: command.id, error: String(error) });
    }
    return;
  }
  void (async () => {
    await dialer.close();
    const entries = dialer.snapshot().entries;
    await store.close();
    send({ type: 'stopped', entries });
    process.disconnect();
    process.exit(0);
  })();
});

if (config.waitForGo) {
  send({ type: 'loaded' });
  await told;
}
await dialer.start();
send({ type: 'started' });
check();
