/**
 * Helpers of `dialer.crash.test.ts`: durable dialer processes (`crash-worker.ts`) to start and
 * kill, the practice-API simulator with a ledger of every call it created and when each ended, a
 * webhook router that hands each webhook to a living worker, and the checks run over them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  startCallApiSimulator,
  type CallApiSimulator,
  type SimulatedCall,
  type SimulatedOutcome,
  type SimulatorEvent,
} from '@ringkit/simulator';
import pg from 'pg';
import { seededRandom } from '@ringkit/internal';
import { sourceExecArgv } from '@ringkit/internal/testing';
import type { DialerEntry } from '../src/types.js';
import type { CrashWorkerCommand, CrashWorkerConfig, CrashWorkerMessage } from './crash-worker.js';

const script = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));

/** A seeded source of draws, so that a failing run can be replayed. */
export function seeded(seed: number) {
  const next = seededRandom(seed);
  return {
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

/**
 * Rejects with `what` when `promise` has not settled within `ms` (a guard, not a measure), or at
 * once when one of `workers` exits unasked.
 */
export function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string | (() => string),
  workers: CrashWorker[] = [],
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    ...workers.map((w) => w.crashed),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const text = typeof what === 'string' ? what : what();
        reject(new Error(`timed out waiting for ${text}`));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface CrashWorker {
  id: string;
  child: ChildProcess;
  /** Every number whose `placeCall` this worker invoked, in order (what reached the test). */
  placing: string[];
  /** Every number a claim of this worker took `queued`, in order (fresh or adopted). */
  claimed: string[];
  /** The dialer's error events, `source: message`. */
  errors: string[];
  /** With `waitForGo`: resolves once it has loaded, ready for `go()`. */
  loaded: Promise<void>;
  /** With `waitForGo`: starts dialing. */
  go(): void;
  started: Promise<void>;
  /** Resolves when the worker's snapshot shows every entry ended. */
  drained: Promise<void>;
  exited: Promise<number | null>;
  /** Rejects when the process exits without having been killed or stopped. */
  crashed: Promise<never>;
  /** Whether it may still take webhooks: started, not killed, not exited. */
  alive(): boolean;
  /** SIGKILL, at once: the process gets no chance to write or answer anything more. */
  kill(): void;
  /** Hands it a webhook's body; resolves `true` once its `handleStatus` took it. */
  deliver(body: string): Promise<boolean>;
  /** Stops it gracefully (`close()`); resolves to its last snapshot's entries. */
  stop(): Promise<DialerEntry[]>;
  /** Called with each message, after the worker's own bookkeeping. */
  onMessage?: (message: CrashWorkerMessage) => void;
}

let deliveries = 0;

/** A promise with its resolve and reject at hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Forks one worker process; it starts dialing at once (`started` resolves once it has). */
export function startWorker(config: CrashWorkerConfig): CrashWorker {
  const child = fork(script, [JSON.stringify(config)], {
    execArgv: sourceExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let killed = false;
  let exitCode: number | null | undefined;
  let isStarted = false;
  const pending = new Map<number, (taken: boolean) => void>();
  const waiters = {
    loaded: deferred<void>(),
    started: deferred<void>(),
    drained: deferred<void>(),
    stopped: deferred<DialerEntry[]>(),
    crashed: deferred<never>(),
  };
  let stopping = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      for (const resolveOne of pending.values()) resolveOne(false);
      pending.clear();
      const why = new Error(`worker ${config.workerId} exited (${code ?? 'killed'})`);
      waiters.loaded.reject(why);
      waiters.started.reject(why);
      waiters.drained.reject(why);
      waiters.stopped.reject(why);
      if (!killed && !stopping) waiters.crashed.reject(why);
      resolve(code);
    }),
  );
  // Rejections nobody awaits (a killed worker never drains) are not failures.
  for (const waiter of Object.values(waiters)) waiter.promise.catch(() => undefined);
  const worker: CrashWorker = {
    id: config.workerId,
    child,
    placing: [],
    claimed: [],
    errors: [],
    loaded: waiters.loaded.promise,
    go() {
      const command: CrashWorkerCommand = { type: 'go' };
      child.send(command);
    },
    started: waiters.started.promise,
    drained: waiters.drained.promise,
    exited,
    crashed: waiters.crashed.promise,
    alive: () => isStarted && !killed && exitCode === undefined,
    kill() {
      killed = true;
      child.kill('SIGKILL');
    },
    deliver(body) {
      if (!worker.alive()) return Promise.resolve(false);
      const id = ++deliveries;
      return new Promise<boolean>((resolve) => {
        pending.set(id, resolve);
        const command: CrashWorkerCommand = { type: 'webhook', id, body };
        child.send(command, (error) => {
          if (error) {
            pending.delete(id);
            resolve(false);
          }
        });
      });
    },
    async stop() {
      stopping = true;
      const command: CrashWorkerCommand = { type: 'stop' };
      child.send(command);
      return waiters.stopped.promise;
    },
  };
  child.on('message', (message: CrashWorkerMessage) => {
    switch (message.type) {
      case 'loaded':
        waiters.loaded.resolve();
        break;
      case 'started':
        isStarted = true;
        waiters.started.resolve();
        break;
      case 'placing':
        worker.placing.push(message.to);
        break;
      case 'claimed':
        worker.claimed.push(...message.to);
        break;
      case 'ack':
        pending.get(message.id)?.(message.error === undefined);
        pending.delete(message.id);
        if (message.error !== undefined) worker.errors.push(`webhook: ${message.error}`);
        break;
      case 'error':
        worker.errors.push(`${message.source}: ${message.message}`);
        break;
      case 'drained':
        waiters.drained.resolve();
        break;
      case 'stopped':
        waiters.stopped.resolve(message.entries);
        break;
    }
    worker.onMessage?.(message);
  });
  return worker;
}

/** A call the simulator created, and when it ended at the provider. */
export interface LedgerCall {
  id: string;
  phone: string;
  outcome: SimulatedOutcome;
  createdAt: number;
  /** Webhook flavour: where its webhooks go (the router's path names the worker that placed it). */
  webhookUrl?: string;
  /** When its terminal status fired at the provider (webhook flavour), epoch ms. */
  endedAt?: number;
}

const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

/**
 * The practice-API simulator in this process, with a ledger of every call it created (so every
 * number rung, and how many times) and of when each ended. `onCreated` runs synchronously as the
 * POST that created a call is taken, before the simulator answers it.
 */
export async function startLedgerSimulator(options: {
  flavour: 'polling' | 'webhook';
  seed: number;
  stepMs: [number, number];
  responseDelayMs: number;
  outcomes: Partial<Record<SimulatedOutcome, number>>;
}) {
  const calls: LedgerCall[] = [];
  const byId = new Map<string, LedgerCall>();
  const ledger = {
    calls,
    onCreated: undefined as ((call: LedgerCall) => void) | undefined,
  };
  const onEvent = (event: SimulatorEvent) => {
    if (event.type === 'created') {
      const created: SimulatedCall = event.call;
      const call: LedgerCall = {
        id: created.id,
        phone: created.phone,
        outcome: created.outcome,
        createdAt: created.createdAt.getTime(),
        ...(created.webhookUrl === undefined ? {} : { webhookUrl: created.webhookUrl }),
      };
      calls.push(call);
      byId.set(call.id, call);
      ledger.onCreated?.(call);
    } else if (event.type === 'status' && TERMINAL.has(event.status)) {
      const call = byId.get(event.callId);
      if (call && call.endedAt === undefined) call.endedAt = event.at.getTime();
    }
  };
  const simulator: CallApiSimulator = await startCallApiSimulator({
    flavour: options.flavour,
    seed: options.seed,
    stepMs: options.stepMs,
    responseDelayMs: options.responseDelayMs,
    outcomes: options.outcomes,
    onEvent,
  });

  /**
   * Each call's time live at the provider, `[createdAt, end)`. The polling flavour computes a
   * call's status from its clock, so its end is the moment its last step was due (the
   * `updated_at` of its final status, which a poll can see no sooner), not when the step's
   * timer fired; the webhook flavour ends a call when that timer fires, before its webhook
   * leaves.
   */
  async function intervals(): Promise<{ id: string; phone: string; start: number; end: number }[]> {
    const out = [];
    for (const call of calls) {
      let end = call.endedAt;
      if (options.flavour === 'polling') {
        const response = await fetch(`${simulator.url}/api/call/${call.id}`);
        const body = (await response.json()) as { status: string; updated_at: string };
        if (!TERMINAL.has(body.status)) throw new Error(`call ${call.id} is still ${body.status}`);
        end = Date.parse(body.updated_at);
      }
      if (end === undefined) throw new Error(`call ${call.id} has not ended`);
      out.push({ id: call.id, phone: call.phone, start: call.createdAt, end });
    }
    return out;
  }

  return { simulator, ledger, intervals, close: () => simulator.close() };
}

/**
 * The most intervals `[start, end)` open at one moment (an end at the moment of a start closes
 * first), and the moment it was first reached.
 */
export function maxOverlap(intervals: { start: number; end: number }[]): {
  max: number;
  at: number;
} {
  const points: [number, number][] = [];
  for (const { start, end } of intervals) points.push([start, 1], [end, -1]);
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let best = { max: 0, at: 0 };
  for (const [at, delta] of points) {
    live += delta;
    if (live > best.max) best = { max: live, at };
  }
  return best;
}

/**
 * For positions in the order they were placed: the most lower positions placed after a higher
 * one. Entries are claimed in list order under the cap, so when a position is placed the lower
 * positions not placed yet are claimed, live under the cap with it: at most `concurrency - 1`.
 */
export function overtaken(order: number[]): { worst: number; position: number | null } {
  let worst = { worst: 0, position: null as number | null };
  order.forEach((q, i) => {
    const later = order.slice(i + 1).filter((p) => p < q).length;
    if (later > worst.worst) worst = { worst: later, position: q };
  });
  return worst;
}

/** Positions that break strictly increasing order, as `previous → next` pairs. */
export function descents(order: number[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < order.length; i++) {
    if (order[i]! <= order[i - 1]!) out.push(`${order[i - 1]} → ${order[i]}`);
  }
  return out;
}

/**
 * An HTTP endpoint for the simulator's webhooks that hands each one to a living worker picked
 * at random (a load balancer in front of the workers): `200` once that worker's `handleStatus`
 * took it, `503` when it died first or none is alive (the simulator then delivers it again).
 */
export async function startWebhookRouter(options: {
  workers: () => CrashWorker[];
  random: () => number;
}) {
  const log: {
    callId: string;
    status: string;
    worker: string | null;
    taken: boolean;
    at: number;
  }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const { id, status } = JSON.parse(body) as { id: number; status: string };
      const living = options.workers().filter((w) => w.alive());
      const worker = living[Math.floor(options.random() * living.length)];
      const entry = {
        callId: String(id),
        status,
        worker: worker?.id ?? null,
        taken: false,
        at: Date.now(),
      };
      log.push(entry);
      void (worker ? worker.deliver(body) : Promise.resolve(false)).then((taken) => {
        entry.taken = taken;
        res.writeHead(taken ? 200 : 503).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const LOCK_KEY = 0x52494e48;

/**
 * Holds the shared advisory lock of the test database until the returned function is called, as
 * scheduler-core's PostgreSQL tests do (`test/pg-testing.ts`): its test that restarts the server
 * takes it exclusively, so it never restarts the server under this file's workers.
 */
export async function holdSharedDatabaseLock(url: string): Promise<() => Promise<void>> {
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock_shared($1)', [LOCK_KEY]);
      return async () => {
        await client.end().catch(() => undefined);
      };
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
