/**
 * The `retention` option, with a fake clock, on the memory store, on a SQLite file and on a
 * fresh PostgreSQL schema: finished calls older than `finishedAfterDays` and call records older
 * than `historyAfterDays` are deleted, in batches, by whichever worker holds the store's
 * `retention` lease; nothing else ever is.
 *
 * A pass runs on the fake clock's timers but its store calls are real I/O (PostgreSQL), so the
 * tests wait, in real time, for the store calls that end a pass; they never measure time.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionsError, isInvalidOptionsError, type CallStatus } from '@ringkit/call-client';
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import { createSafeEmitter } from '@ringkit/internal';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { createFakeProvider, type FakeProvider } from '@ringkit/simulator';
import { countingStore, deferred } from '../test/fakes.js';
import { describeWithDatabase, postgresSuiteStores } from '../test/pg-testing.js';
import { isCallNotFoundError } from './errors.js';
import type { SchedulerEvents } from './events.js';
import type { RetentionOptions, SchedulerOptions } from './options.js';
import { createRetention, RETENTION_LEASE } from './_retention.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import type { Store, StoredCall, StoredCallRecord } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { storedCall } from './testing/store-contract.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';
/** The numbers the fake provider ends calls to with each status. */
const ENDS_COMPLETED = '+14155550101';
const ENDS_BUSY = '+14155550102';
const ENDS_NO_ANSWER = '+14155550103';
const ENDS_FAILED = '+14155550104';
const SCRIPTS: Record<string, CallStatus[]> = {
  [ENDS_COMPLETED]: ['ringing', 'answered', 'completed'],
  [ENDS_BUSY]: ['busy'],
  [ENDS_NO_ANSWER]: ['no-answer'],
  [ENDS_FAILED]: ['failed'],
};
const RETENTION = { finishedAfterDays: 30, historyAfterDays: 90 } as const;
/** The scheduler's default `leaseMs`: how long a pass takes the retention lease for. */
const LEASE_MS = 30_000;

/** A finished call, last changed (ended) at `updatedAt`. */
const finished = (id: string, status: CallStatus, updatedAt: number): StoredCall =>
  storedCall({
    id,
    to: BOB,
    status,
    dueAt: updatedAt - MINUTE,
    createdAt: updatedAt - MINUTE,
    updatedAt,
    attempt: 1,
  });

/**
 * A live call last changed at `updatedAt` (long ago) that another worker holds (a claim, or the
 * follow lease of a call in flight placed a minute before `placedAt`), so no scheduler here
 * touches it.
 */
const live = (
  id: string,
  status: 'scheduled' | 'queued' | 'initiated' | 'ringing' | 'answered',
  updatedAt: number,
  placedAt: number,
): StoredCall => {
  const farAway = placedAt + 400 * DAY;
  if (status === 'scheduled') {
    return storedCall({ id, to: BOB, status, dueAt: farAway, createdAt: updatedAt, updatedAt });
  }
  return storedCall({
    id,
    to: BOB,
    status,
    dueAt: updatedAt,
    createdAt: updatedAt,
    updatedAt,
    attempt: 1,
    leaseOwner: 'elsewhere',
    leaseUntil: farAway,
    ...(status === 'queued'
      ? {}
      : {
          placingAt: placedAt - MINUTE,
          providerCallId: `px-${id}`,
          events: [{ status: 'initiated', at: placedAt - MINUTE, attempt: 1 }],
        }),
  });
};

/** A call record from this app's number, started at `startedAt`. */
const record = (id: string, startedAt: number): StoredCallRecord => ({
  id,
  from: ME,
  to: BOB,
  direction: 'outbound',
  status: 'completed',
  startedAt,
  answeredAt: startedAt + 1_000,
  endedAt: startedAt + 61_000,
  durationS: 60,
});

const callIds = async (store: Store) =>
  (await store.list({ limit: 1_000 })).items.map((row) => row.id).sort();
const recordIds = async (store: Store) =>
  (await store.listCallLog({ phone: ME, limit: 1_000 })).items.map((r) => r.id).sort();

/** Waits, in real time, for what a pass did on a store of real I/O; fails after 10 s. */
async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Moves the fake clock 250 ms at a time until `done` (calls placed and followed to their end),
 * each step once the workers' store calls on their way have settled (`settled`): fake time never
 * runs ahead of a write still on its way, so a slow commit does not see its lease run out or the
 * budget of fake time spent before it lands.
 */
async function driveUntil(
  clock: FakeClock,
  done: () => Promise<boolean>,
  what: string,
  settled: () => Promise<void>,
) {
  for (let i = 0; i < 400; i++) {
    await settled();
    if (await done()) return;
    await clock.advance(250);
  }
  throw new Error(`${what}: not after 100 s of fake time`);
}

type OpName = 'lease' | 'finished' | 'records';

/** One call a scheduler made to the store's retention methods. */
interface Op {
  worker: string;
  op: OpName;
  args: unknown[];
  settled: boolean;
  result?: number | boolean;
  error?: unknown;
}

/** What a test does before a retention method runs: its nth call by `worker` (from 1). Throw to fail it. */
type Hooks = Partial<Record<OpName, (n: number, worker: string) => Promise<void> | void>>;

const OPS: Record<string, OpName> = {
  acquireLease: 'lease',
  deleteFinished: 'finished',
  deleteCallRecords: 'records',
};

/** `inner`, logging every call to its retention methods (when made, then what came of it). */
function watched(inner: Store, worker: string, log: Op[], hooks: Hooks): Store {
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      const op = typeof key === 'string' ? OPS[key] : undefined;
      if (typeof value !== 'function' || op === undefined) return value;
      return async (...args: unknown[]) => {
        const entry: Op = { worker, op, args, settled: false };
        log.push(entry);
        const n = log.filter((e) => e.worker === worker && e.op === op).length;
        try {
          await hooks[op]?.(n, worker);
          const result = (await (value as (...a: unknown[]) => Promise<number | boolean>).apply(
            target,
            args,
          )) as number | boolean;
          entry.result = result;
          return result;
        } catch (error) {
          entry.error = error;
          throw error;
        } finally {
          entry.settled = true;
        }
      };
    },
  });
}

/**
 * Whether a settled call ends its pass (the passes here delete both calls and records, and never
 * lose the lease midway): the lease refused, a short batch of records, or an error.
 */
const endsPass = (e: Op) =>
  e.settled &&
  (e.error !== undefined ||
    (e.op === 'lease' && e.result === false) ||
    (e.op === 'records' && (e.result as number) < (e.args[1] as number)));

/** A store backend: how to open a fresh store, and a second connection to one (or itself). */
interface Backend {
  name: string;
  open(): Store;
  again(store: Store): Store;
}

const dir = mkdtempSync(join(tmpdir(), 'ringkit-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sqlitePaths = new WeakMap<Store, string>();

const memory: Backend = {
  name: 'memory',
  open: () => createMemoryStore(),
  again: (store) => store,
};
const sqlite: Backend = {
  name: 'sqlite',
  open: () => {
    const path = join(dir, `${randomUUID()}.db`);
    const store = createSqliteStore({ path });
    sqlitePaths.set(store, path);
    return store;
  },
  again: (store) => createSqliteStore({ path: sqlitePaths.get(store)! }),
};

/** A fresh store of `backend` at a fake `start`, its schedulers, and what they did. */
function harness(backend: Backend, start: number) {
  const clock = createFakeClock(start);
  const log: Op[] = [];
  const hooks: Hooks = {};
  const pruned: Array<{ worker: string } & SchedulerEvents['pruned']> = [];
  const errors: Array<{ worker: string } & SchedulerEvents['error']> = [];
  const schedulers: Scheduler[] = [];
  /** Each worker's store, counting its calls on their way. */
  const workerStores: ReturnType<typeof countingStore>[] = [];
  const store = backend.open();
  const stores = new Set<Store>([store]);
  onTestFinished(async () => {
    for (const scheduler of schedulers) await scheduler.stop().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
  });
  const ends = (worker: string) => log.filter((e) => e.worker === worker && endsPass(e)).length;
  return {
    clock,
    store,
    log,
    hooks,
    pruned,
    errors,
    /** A second connection to the store (the same store for memory). */
    again() {
      const other = backend.again(store);
      stores.add(other);
      return other;
    },
    /** A scheduler `workerId` on the store (by default with retention 30/90 days every hour). */
    worker(
      workerId: string,
      options: Partial<Omit<SchedulerOptions, 'retention'>> & {
        retention?: RetentionOptions | null;
      } = {},
    ) {
      const { retention, ...rest } = options;
      const counted = countingStore(watched(options.store ?? store, workerId, log, hooks));
      workerStores.push(counted);
      const scheduler = createScheduler({
        provider: createFakeProvider({ clock }),
        callerId: ME,
        clock,
        workerId,
        recheckIntervalMs: 0,
        ...rest,
        ...(retention !== null && { retention: retention ?? { ...RETENTION, intervalMs: HOUR } }),
        store: counted.store,
      });
      scheduler.on('pruned', (e) => pruned.push({ worker: workerId, ...e }));
      scheduler.on('error', (e) => errors.push({ worker: workerId, ...e }));
      schedulers.push(scheduler);
      return scheduler;
    },
    /** Waits, in real time, until the workers' store calls on their way have settled. */
    settled: async () => {
      for (const counted of workerStores) await counted.settled();
    },
    /** Waits until `worker` has ended `n` passes since the start of the test. */
    passes: (worker: string, n: number) =>
      waitFor(() => ends(worker) >= n, `${n} passes of ${worker}`),
    /** The calls to retention methods `worker` made, as `op:result` (`op!` for an error). */
    trace: (worker: string) =>
      log
        .filter((e) => e.worker === worker)
        .map((e) => (e.error === undefined ? `${e.op}:${String(e.result)}` : `${e.op}!`)),
  };
}

function retentionSuite(backend: Backend) {
  it('deletes finished calls past 30 days and records past 90, never a live call nor anything younger', async () => {
    const h = harness(backend, T0);
    const { clock, store } = h;
    const provider = createFakeProvider({ clock, script: (to) => SCRIPTS[to] ?? ['ringing'] });
    let nextId = '';
    // Calls placed and ended through the scheduler and the provider, on day 0 and on day 20.
    const worker = h.worker('worker', { provider, generateId: () => nextId, retention: null });
    const schedule = async (id: string, to: string, at: number) => {
      nextId = id;
      await worker.schedule({ to, at: new Date(at) });
    };
    const ended = (ids: string[]) => async () => {
      const rows = await Promise.all(ids.map((id) => store.get(id)));
      return rows.every((row) => row !== null && SCRIPTS[row.to]?.at(-1) === row.status);
    };
    await worker.start();
    await schedule('completed-d0', ENDS_COMPLETED, T0 + 1_000);
    await schedule('busy-d0', ENDS_BUSY, T0 + 1_000);
    await schedule('failed-d0', ENDS_FAILED, T0 + 1_000);
    await schedule('far-future', BOB, T0 + 300 * DAY);
    await schedule('canceled-d0', BOB, T0 + HOUR);
    await worker.cancel('canceled-d0');
    await driveUntil(
      clock,
      ended(['completed-d0', 'busy-d0', 'failed-d0']),
      'the day-0 calls',
      h.settled,
    );
    await worker.stop();
    await clock.advanceTo(T0 + 20 * DAY);
    await worker.start();
    await schedule('completed-d20', ENDS_COMPLETED, T0 + 20 * DAY + 1_000);
    await schedule('no-answer-d20', ENDS_NO_ANSWER, T0 + 20 * DAY + 1_000);
    await schedule('canceled-d20', BOB, T0 + 21 * DAY);
    await worker.cancel('canceled-d20');
    await driveUntil(
      clock,
      ended(['completed-d20', 'no-answer-d20']),
      'the day-20 calls',
      h.settled,
    );
    await worker.stop();
    const placedRecords = [
      'busy-d0-1',
      'completed-d0-1',
      'completed-d20-1',
      'failed-d0-1',
      'no-answer-d20-1',
    ];
    expect(await recordIds(store)).toEqual(placedRecords);
    expect(h.log).toEqual([]);

    // Day 40: old rows written straight to the store, a millisecond either side of the ages.
    const C = T0 + 40 * DAY;
    await clock.advanceTo(C);
    const inserted: StoredCall[] = [
      finished('completed-31d', 'completed', C - 31 * DAY),
      finished('failed-30d+1ms', 'failed', C - 30 * DAY - 1),
      finished('busy-30d', 'busy', C - 30 * DAY),
      finished('no-answer-29d', 'no-answer', C - 29 * DAY),
      ...(['scheduled', 'queued', 'initiated', 'ringing', 'answered'] as const).map((status) =>
        live(`${status}-old`, status, C - 100 * DAY, C),
      ),
    ];
    for (const row of inserted) await store.insert(row);
    for (const r of [
      record('rec-91d', C - 91 * DAY),
      record('rec-90d+1ms', C - 90 * DAY - 1),
      record('rec-90d', C - 90 * DAY),
      record('rec-89d', C - 89 * DAY),
    ]) {
      await store.saveCallRecord(r);
    }

    const keeper = h.worker('keeper', { provider });
    await keeper.start();
    await clock.flush();
    await h.passes('keeper', 1);
    expect(h.pruned).toEqual([{ worker: 'keeper', calls: 6, records: 2 }]);
    expect(await callIds(store)).toEqual([
      'answered-old',
      'busy-30d',
      'canceled-d20',
      'completed-d20',
      'far-future',
      'initiated-old',
      'no-answer-29d',
      'no-answer-d20',
      'queued-old',
      'ringing-old',
      'scheduled-old',
    ]);
    expect(await recordIds(store)).toEqual([...placedRecords, 'rec-89d', 'rec-90d'].sort());
    // The live calls are as they were written: untouched.
    for (const row of inserted.slice(4)) {
      expect(await store.get(row.id)).toMatchObject({
        status: row.status,
        updatedAt: C - 100 * DAY,
      });
    }
    // Under the retention lease, with the ages counted back from the fake clock.
    expect(h.log.filter((e) => e.op === 'lease')[0]!.args).toEqual([
      RETENTION_LEASE,
      'keeper',
      C,
      C + LEASE_MS,
    ]);
    expect(h.log.filter((e) => e.op !== 'lease').map((e) => [e.op, ...e.args])).toEqual([
      ['finished', C - 30 * DAY, 500],
      ['records', C - 90 * DAY, 500],
    ]);
    await keeper.stop();

    // Day 50 (+1 h): the calls of day 20 and the rows of days 10 and 11 are 30 days old. The
    // calls in flight time out when the keeper starts (4 h after their placement): failed now,
    // with a record each, too young to go.
    await clock.advanceTo(T0 + 50 * DAY + HOUR);
    await keeper.start();
    await clock.flush();
    await h.passes('keeper', 2);
    expect(h.pruned.slice(1)).toEqual([{ worker: 'keeper', calls: 5, records: 2 }]);
    expect(await callIds(store)).toEqual([
      'answered-old',
      'far-future',
      'initiated-old',
      'queued-old',
      'ringing-old',
      'scheduled-old',
    ]);
    const inFlight = ['answered-old', 'initiated-old', 'ringing-old'];
    // The sweep that times them out runs beside the pass: wait for it, not for the pass.
    await waitFor(async () => {
      const rows = await Promise.all(inFlight.map((id) => store.get(id)));
      const records = await recordIds(store);
      return (
        rows.every((row) => row?.status === 'failed') &&
        inFlight.every((id) => records.includes(`${id}-1`))
      );
    }, 'the calls in flight timed out, with their records');
    for (const id of inFlight) {
      expect(await store.get(id)).toMatchObject({ status: 'failed', reason: 'timeout' });
    }
    const timedOutRecords = ['answered-old-1', 'initiated-old-1', 'ringing-old-1'];
    expect(await recordIds(store)).toEqual([...placedRecords, ...timedOutRecords].sort());
    await keeper.stop();

    // Day 90 (+1 h): the records of day 0 are 90 days old; the calls that timed out on day 50
    // are 40 days old. What is live stays, however old.
    await clock.advanceTo(T0 + 90 * DAY + HOUR);
    await keeper.start();
    await clock.flush();
    await h.passes('keeper', 3);
    expect(h.pruned.slice(2)).toEqual([{ worker: 'keeper', calls: 3, records: 3 }]);
    expect(await callIds(store)).toEqual(['far-future', 'queued-old', 'scheduled-old']);
    expect(await recordIds(store)).toEqual(
      ['completed-d20-1', 'no-answer-d20-1', ...timedOutRecords].sort(),
    );
    expect(h.errors).toEqual([]);
  });

  it('deletes in batches of batchSize, oldest first, renewing the lease before each, in one pass', async () => {
    const C = T0 + 100 * DAY;
    const h = harness(backend, C);
    const { clock, store } = h;
    for (let i = 1; i <= 5; i++)
      await store.insert(finished(`old-${i}`, 'completed', C - (36 - i) * DAY));
    await store.insert(finished('young', 'completed', C - 29 * DAY));
    for (let i = 1; i <= 3; i++)
      await store.saveCallRecord(record(`rec-old-${i}`, C - (94 - i) * DAY));
    await store.saveCallRecord(record('rec-young', C - 89 * DAY));
    let afterFirstBatch: string[] = [];
    h.hooks.finished = async (n) => {
      if (n === 2) afterFirstBatch = await callIds(store);
    };
    const keeper = h.worker('keeper', { retention: { ...RETENTION, batchSize: 2 } });
    await keeper.start();
    await clock.flush();
    await h.passes('keeper', 1);
    expect(h.pruned).toEqual([{ worker: 'keeper', calls: 5, records: 3 }]);
    expect(afterFirstBatch).toEqual(['old-3', 'old-4', 'old-5', 'young']);
    expect(h.trace('keeper')).toEqual([
      'lease:true',
      'finished:2',
      'lease:true',
      'finished:2',
      'lease:true',
      'finished:1',
      'lease:true',
      'records:2',
      'lease:true',
      'records:1',
    ]);
    expect(await callIds(store)).toEqual(['young']);
    expect(await recordIds(store)).toEqual(['rec-young']);
    expect(h.errors).toEqual([]);
  });

  it('runs a pass every intervalMs: rows that got old are deleted at the next pass, not before', async () => {
    const C = T0 + 100 * DAY;
    const h = harness(backend, C);
    const { clock, store } = h;
    await store.insert(finished('old', 'completed', C - 40 * DAY));
    await store.insert(finished('old-in-5-min', 'completed', C - 30 * DAY + 5 * MINUTE));
    await store.saveCallRecord(record('rec-old-in-5-min', C - 90 * DAY + 5 * MINUTE));
    const keeper = h.worker('keeper', { retention: { ...RETENTION, intervalMs: 10 * MINUTE } });
    await keeper.start();
    // Armed at start, run by the clock's first move.
    expect(h.log).toEqual([]);
    await clock.flush();
    await h.passes('keeper', 1);
    expect(h.pruned).toEqual([{ worker: 'keeper', calls: 1, records: 0 }]);
    expect(await callIds(store)).toEqual(['old-in-5-min']);

    // Written by another worker after the pass: old already, deleted by the next one.
    await store.insert(finished('written-old', 'canceled', C - 35 * DAY));
    const made = h.log.length;
    await clock.advance(10 * MINUTE - 1);
    expect(h.log.length).toBe(made);
    expect(await callIds(store)).toEqual(['old-in-5-min', 'written-old']);
    expect(await recordIds(store)).toEqual(['rec-old-in-5-min']);
    await clock.advance(1);
    await h.passes('keeper', 2);
    expect(h.pruned.slice(1)).toEqual([{ worker: 'keeper', calls: 2, records: 1 }]);
    expect(await callIds(store)).toEqual([]);
    expect(await recordIds(store)).toEqual([]);

    // A pass with nothing to delete runs, and announces nothing.
    await clock.advance(10 * MINUTE);
    await h.passes('keeper', 3);
    expect(h.trace('keeper').slice(-4)).toEqual([
      'lease:true',
      'finished:0',
      'lease:true',
      'records:0',
    ]);
    expect(h.pruned).toHaveLength(2);

    // stop() ends the passes: nothing more is asked of the store, nothing is left armed.
    await keeper.stop();
    await store.insert(finished('after-stop', 'completed', C - 40 * DAY));
    const before = h.log.length;
    await clock.advance(2 * HOUR);
    expect(h.log.length).toBe(before);
    expect(clock.pending).toBe(0);
    expect(await callIds(store)).toEqual(['after-stop']);
    expect(h.errors).toEqual([]);
  });

  it('stop() during a pass lets the batch in progress finish and deletes no more', async () => {
    const C = T0 + 100 * DAY;
    const h = harness(backend, C);
    const { clock, store } = h;
    for (let i = 1; i <= 5; i++)
      await store.insert(finished(`old-${i}`, 'completed', C - (36 - i) * DAY));
    await store.saveCallRecord(record('rec-old', C - 100 * DAY));
    const entered = deferred();
    const gate = deferred();
    h.hooks.finished = async (n) => {
      if (n !== 2) return;
      entered.resolve();
      await gate.promise;
    };
    const keeper = h.worker('keeper', { retention: { ...RETENTION, batchSize: 2 } });
    await keeper.start();
    await clock.flush();
    await entered.promise;
    let stopped = false;
    const stopping = keeper.stop().then(() => (stopped = true));
    await clock.flush();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(h.trace('keeper')).toEqual(['lease:true', 'finished:2', 'lease:true', 'finished:2']);
    expect(h.pruned).toEqual([{ worker: 'keeper', calls: 4, records: 0 }]);
    expect(await callIds(store)).toEqual(['old-5']);
    expect(await recordIds(store)).toEqual(['rec-old']);
    await clock.advance(2 * HOUR);
    expect(h.log).toHaveLength(4);
    expect(clock.pending).toBe(0);
  });

  it('only the holder of the retention lease deletes; when a stopped holder’s lease runs out, another worker takes over', async () => {
    const C = T0 + 100 * DAY;
    const h = harness(backend, C);
    const { clock, store } = h;
    // The lease outlives a pass interval, so its holder keeps it while it runs.
    const options = {
      leaseMs: 30 * MINUTE,
      retention: { ...RETENTION, intervalMs: 10 * MINUTE },
    };
    const first = h.worker('first', options);
    const second = h.worker('second', { ...options, store: h.again() });
    await store.insert(finished('old-1', 'completed', C - 40 * DAY));
    await first.start();
    await clock.flush();
    await h.passes('first', 1);
    await second.start();
    await clock.flush();
    await h.passes('second', 1);
    expect(h.pruned).toEqual([{ worker: 'first', calls: 1, records: 0 }]);
    expect(h.trace('second')).toEqual(['lease:false']);

    // Both run a pass every 10 minutes, at the same moment: only the holder deletes.
    await store.insert(finished('old-2', 'completed', C - 40 * DAY));
    await clock.advance(10 * MINUTE);
    await h.passes('first', 2);
    await h.passes('second', 2);
    expect(h.pruned).toEqual([
      { worker: 'first', calls: 1, records: 0 },
      { worker: 'first', calls: 1, records: 0 },
    ]);
    expect(h.trace('second')).toEqual(['lease:false', 'lease:false']);
    const lastRenewal = h.log.filter((e) => e.worker === 'first' && e.op === 'lease').at(-1)!;
    expect(lastRenewal.args).toEqual([RETENTION_LEASE, 'first', C + 10 * MINUTE, C + 40 * MINUTE]);

    // The holder stops (its lease is not given back): the other waits for it to run out.
    await first.stop();
    await store.insert(finished('old-3', 'completed', C - 40 * DAY));
    await clock.advance(10 * MINUTE);
    await h.passes('second', 3);
    await clock.advance(10 * MINUTE);
    await h.passes('second', 4);
    expect(await callIds(store)).toEqual(['old-3']);
    expect(h.pruned).toHaveLength(2);
    // C + 40 min: the lease has run out (its end is not after now); the second takes it.
    await clock.advance(10 * MINUTE);
    await h.passes('second', 5);
    expect(h.pruned.slice(2)).toEqual([{ worker: 'second', calls: 1, records: 0 }]);
    expect(h.trace('second')).toEqual([
      'lease:false',
      'lease:false',
      'lease:false',
      'lease:false',
      'lease:true',
      'finished:1',
      'lease:true',
      'records:0',
    ]);
    expect(await callIds(store)).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('reports a store error during a pass as an error event (source store), and what it deleted before; the next pass runs', async () => {
    const C = T0 + 100 * DAY;
    const h = harness(backend, C);
    const { clock, store } = h;
    const deleteFailed = new Error('deleteFinished failed');
    const leaseFailed = new Error('acquireLease failed');
    // The second batch of the first pass fails, then the first lease call of the second pass.
    h.hooks.finished = (n) => {
      if (n === 2) throw deleteFailed;
    };
    h.hooks.lease = (n) => {
      if (n === 3) throw leaseFailed;
    };
    for (let i = 1; i <= 3; i++) {
      await store.insert(finished(`old-${i}`, 'completed', C - (36 - i) * DAY));
    }
    await store.saveCallRecord(record('rec-old', C - 100 * DAY));
    const keeper = h.worker('keeper', {
      retention: { ...RETENTION, intervalMs: 10 * MINUTE, batchSize: 2 },
    });
    await keeper.start();
    await clock.flush();
    await h.passes('keeper', 1);
    expect(h.errors).toEqual([{ worker: 'keeper', error: deleteFailed, source: 'store' }]);
    // The first batch was deleted before the error: announced.
    expect(h.pruned).toEqual([{ worker: 'keeper', calls: 2, records: 0 }]);
    expect(await callIds(store)).toEqual(['old-3']);
    expect(await recordIds(store)).toEqual(['rec-old']);

    await clock.advance(10 * MINUTE);
    await h.passes('keeper', 2);
    expect(h.errors.slice(1)).toEqual([{ worker: 'keeper', error: leaseFailed, source: 'store' }]);
    expect(h.pruned).toHaveLength(1);

    await clock.advance(10 * MINUTE);
    await h.passes('keeper', 3);
    expect(h.pruned.slice(1)).toEqual([{ worker: 'keeper', calls: 1, records: 1 }]);
    expect(await callIds(store)).toEqual([]);
    expect(await recordIds(store)).toEqual([]);
    expect(h.errors).toHaveLength(2);
    expect(h.trace('keeper')).toEqual([
      'lease:true',
      'finished:2',
      'lease:true',
      'finished!',
      'lease!',
      'lease:true',
      'finished:1',
      'lease:true',
      'records:1',
    ]);
  });

  it('a late webhook for a call retention deleted resolves null; nothing breaks', async () => {
    const h = harness(backend, T0);
    const { clock, store } = h;
    const provider: FakeProvider = createFakeProvider({ clock, follow: 'webhooks' });
    const keeper = h.worker('keeper', { provider, generateId: () => 'the-call' });
    // Once it tells the placement, the worker holds the row it wrote: a webhook starts from it.
    // (The row is in the store a little before, while a status would still wait for the write.)
    let placed = false;
    keeper.on('placement', () => (placed = true));
    await keeper.start();
    await clock.flush();
    await h.passes('keeper', 1);
    await keeper.schedule({ to: BOB, at: new Date(T0 + 1_000) });
    await driveUntil(
      clock,
      async () => placed && (await store.get('the-call'))?.status === 'initiated',
      'the placement',
      h.settled,
    );
    const status = (s: 'ringing' | 'completed', at: number) => ({
      callId: provider.placed[0]!.id!,
      status: s,
      providerStatus: s,
      at: new Date(at),
    });
    expect(await keeper.handleStatus(status('completed', clock.now()))).toMatchObject({
      id: 'the-call',
      status: 'completed',
    });
    await keeper.stop();

    await clock.advanceTo(T0 + 31 * DAY);
    await keeper.start();
    await clock.flush();
    await h.passes('keeper', 2);
    expect(h.pruned).toEqual([{ worker: 'keeper', calls: 1, records: 0 }]);
    expect(await callIds(store)).toEqual([]);
    expect(await recordIds(store)).toEqual(['the-call-1']);

    expect(await keeper.handleStatus(status('completed', clock.now()))).toBeNull();
    expect(await keeper.handleStatus(status('ringing', clock.now()))).toBeNull();
    const error = await keeper.get('the-call').catch((e: unknown) => e);
    expect(isCallNotFoundError(error)).toBe(true);
    await clock.advance(5 * MINUTE);
    expect(await callIds(store)).toEqual([]);
    expect(h.errors).toEqual([]);
    await keeper.stop();
  });
}

describe.each([memory, sqlite])('retention on the $name store', retentionSuite);

describeWithDatabase('retention on the postgres store', (url) => {
  retentionSuite({ name: 'postgres', ...postgresSuiteStores(url) });
});

describe('createRetention', () => {
  it('keeps one chain of passes when start() comes while the pass stop() waits for still runs', async () => {
    const C = T0 + 100 * DAY;
    const h = harness(memory, C);
    const { clock, store } = h;
    for (let i = 1; i <= 3; i++) {
      await store.insert(finished(`old-${i}`, 'completed', C - (36 - i) * DAY));
    }
    const entered = deferred();
    const gate = deferred();
    h.hooks.finished = async (n) => {
      if (n !== 2) return;
      entered.resolve();
      await gate.promise;
    };
    const pruned: SchedulerEvents['pruned'][] = [];
    const emitter = createSafeEmitter<SchedulerEvents>((error) => ({ error, source: 'listener' }));
    emitter.on('pruned', (e) => pruned.push(e));
    const retention = createRetention({
      store: watched(store, 'unit', h.log, h.hooks),
      clock,
      workerId: 'unit',
      emitter,
      retention: {
        finishedAfterMs: 30 * DAY,
        historyAfterMs: 90 * DAY,
        suppressionsAfterMs: null,
        intervalMs: 10 * MINUTE,
        batchSize: 2,
      },
      leaseMs: LEASE_MS,
    });
    retention.start();
    await clock.flush();
    await entered.promise;
    const stopping = retention.stop();
    retention.start();
    gate.resolve();
    await stopping;
    await h.passes('unit', 1);
    const firstPass = [
      'lease:true',
      'finished:2',
      'lease:true',
      'finished:1',
      'lease:true',
      'records:0',
    ];
    expect(h.trace('unit')).toEqual(firstPass);
    expect(pruned).toEqual([{ calls: 3, records: 0 }]);
    // One timer: the next pass, intervalMs after the end of this one.
    expect(clock.pending).toBe(1);
    await clock.advance(10 * MINUTE - 1);
    expect(h.log).toHaveLength(firstPass.length);
    await clock.advance(1);
    await h.passes('unit', 2);
    const emptyPass = ['lease:true', 'finished:0', 'lease:true', 'records:0'];
    expect(h.trace('unit')).toEqual([...firstPass, ...emptyPass]);
    expect(clock.pending).toBe(1);
    await retention.stop();
    expect(clock.pending).toBe(0);
  });
});

describe('the retention option', () => {
  const clock = createFakeClock(T0);
  const base = { provider: createFakeProvider({ clock }), callerId: ME, clock };
  const refusal = (options: Partial<SchedulerOptions>) => {
    try {
      createScheduler({ store: createMemoryStore(), ...base, ...options });
    } catch (error) {
      return error;
    }
    return null;
  };

  it.each([
    ['no age', {}],
    ['an age of 0', { finishedAfterDays: 0 }],
    ['a negative age', { historyAfterDays: -1 }],
    ['an age above 100 years', { finishedAfterDays: 36_501 }],
    ['an age that is not a number', { finishedAfterDays: '30' }],
    ['NaN', { historyAfterDays: Number.NaN }],
    ['an interval of 0', { ...RETENTION, intervalMs: 0 }],
    ['a fractional interval', { ...RETENTION, intervalMs: 1.5 }],
    ['an interval past the longest timer', { ...RETENTION, intervalMs: 2 ** 31 }],
    ['a batch of 0', { ...RETENTION, batchSize: 0 }],
    ['a batch above 10 000', { ...RETENTION, batchSize: 10_001 }],
    ['an unknown field', { ...RETENTION, afterDays: 3 }],
    ['null', null],
    ['a number', 30],
  ])('refuses %s, naming retention', (_, retention) => {
    const error = refusal({ retention: retention as RetentionOptions });
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).issues.map((i) => i.path[0])).toEqual(['retention']);
    expect((error as Error).message).toMatch(/^Invalid scheduler options: retention/);
  });

  it.each(['deleteFinished', 'deleteCallRecords', 'acquireLease'] as const)(
    'refuses a store without %s, naming retention and the store',
    (method) => {
      const store: Store = { ...createMemoryStore(), [method]: undefined };
      const error = refusal({ store, retention: RETENTION });
      expect(isInvalidOptionsError(error)).toBe(true);
      expect((error as InvalidOptionsError).issues.map((i) => i.path[0])).toEqual(['retention']);
      expect((error as Error).message).toMatch(/retention: .*store "memory" cannot delete/);
      // Such a store is fine without retention.
      expect(refusal({ store })).toBeNull();
    },
  );

  it('accepts one age alone, in fractions of days', () => {
    expect(refusal({ retention: { historyAfterDays: 0.5 } })).toBeNull();
    expect(
      refusal({ retention: { finishedAfterDays: 1e-9, intervalMs: 1, batchSize: 1 } }),
    ).toBeNull();
  });

  it('is off by default: nothing is asked of the store, nothing deleted', async () => {
    const h = harness(memory, T0 + 100 * DAY);
    await h.store.insert(finished('old', 'completed', T0));
    await h.store.saveCallRecord(record('rec-old', T0));
    const scheduler = h.worker('plain', { retention: null });
    await scheduler.start();
    await h.clock.advance(2 * HOUR);
    await scheduler.stop();
    expect(h.log).toEqual([]);
    expect(await callIds(h.store)).toEqual(['old']);
    expect(await recordIds(h.store)).toEqual(['rec-old']);
  });
});
