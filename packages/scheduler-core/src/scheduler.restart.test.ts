/**
 * Calls in flight when a worker dies (kill -9: it writes and answers nothing more), which the
 * provider ends while no worker runs, their webhooks lost: the next worker, started once the dead
 * one's leases ran out, asks the provider where each call stands and settles it long before
 * `callTimeoutMs`; a provider that cannot be asked leaves them to that timeout. For the
 * scheduler's own calls and for a campaign's, on the memory store, a SQLite file and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallProvider, CallStatus, ProviderCall } from '@ringkit/call-client';
import { HttpError } from '@ringkit/call-client';
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider, type FakeProvider } from '@ringkit/simulator';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { countingStore, killable } from '../test/fakes.js';
import { describeWithDatabase, postgresSuiteStores } from '../test/pg-testing.js';
import { createCampaignRunner } from './campaign/runner.js';
import { LOOK_UP_CONCURRENCY } from './dispatch/_recover.js';
import type { SchedulerEvents } from './events.js';
import { createScheduler } from './scheduler.js';
import type { Store, StoredCall } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { storedCall } from './testing/store-contract.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const HOUR = 3_600_000;
const LEASE_MS = 3_000;
/** How long one look-up (`getCall`) takes at the fake provider, in fake time. */
const LOOK_UP_MS = 200;
/** Calls in flight when the worker dies: more than the look-ups allowed at once. */
const IN_FLIGHT = 10;
const numbers = Array.from({ length: 12 }, (_, i) => `+1415555${String(1000 + i)}`);

/**
 * Where each of the dead worker's calls stands at the provider when the next worker starts: the
 * ends that came while no worker ran, and one call still talking.
 */
const ENDS: Record<string, CallStatus> = { p1: 'busy', p2: 'no-answer', p3: 'answered' };
const truthAfterDeath = (id: string): CallStatus => ENDS[id] ?? 'completed';

interface Suite {
  name: string;
  /** A store, as a process opens it. */
  open: () => Store;
  /** The same data, as another process opens it (the same instance for the memory store). */
  again: (store: Store) => Store;
}

type Kind = 'twilio-like' | 'polling' | 'webhooks only';

/**
 * A fake provider of `kind`: Twilio-like (webhooks, and `getCall` that tells every status),
 * polled (`getCall`, no webhooks), or webhooks only (no `getCall`). Its `getCall` answers what
 * `truth` says after {@link LOOK_UP_MS}, and counts the look-ups under way at once.
 */
function providerOf(kind: Kind, clock: FakeClock) {
  const truth = new Map<string, CallStatus>();
  const looked: string[] = [];
  const stats = { looking: 0, mostAtOnce: 0 };
  /** Answers a look-up of these ids with this error instead. */
  const failing = new Map<string, unknown>();
  const getCall = (id: string, options?: { signal?: AbortSignal }) =>
    new Promise<ProviderCall>((resolve, reject) => {
      looked.push(id);
      stats.looking += 1;
      stats.mostAtOnce = Math.max(stats.mostAtOnce, stats.looking);
      const timer = clock.setTimeout(() => {
        stats.looking -= 1;
        const error = failing.get(id);
        if (error !== undefined) {
          reject(error);
          return;
        }
        const status = truth.get(id) ?? 'ringing';
        resolve({ id, status, providerStatus: status, raw: { id, status } });
      }, LOOK_UP_MS);
      options?.signal?.addEventListener(
        'abort',
        () => {
          clock.clearTimeout(timer);
          stats.looking -= 1;
          reject(options.signal!.reason);
        },
        { once: true },
      );
    });
  const provider: FakeProvider = createFakeProvider({
    clock,
    follow: kind === 'polling' ? 'polling' : 'webhooks',
    ...(kind === 'webhooks only' ? {} : { getCall }),
  });
  return { provider, truth, looked, stats, failing };
}

/** The scheduler, or a campaign's runner, as one worker of either. */
interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
  on: <K extends keyof SchedulerEvents>(
    event: K,
    handler: (event: SchedulerEvents[K]) => void,
  ) => void;
  /** The rows this worker's engine owns. */
  rows(store: Store): Promise<StoredCall[]>;
}

type Engine = 'scheduler' | 'campaign';

function workerOf(
  engine: Engine,
  store: Store,
  provider: CallProvider,
  clock: FakeClock,
  id: string,
) {
  const common = {
    store,
    provider,
    clock,
    callerId: ME,
    workerId: id,
    leaseMs: LEASE_MS,
    recheckIntervalMs: 0,
    callTimeoutMs: HOUR,
  };
  if (engine === 'scheduler') {
    const scheduler = createScheduler({ ...common, concurrency: IN_FLIGHT });
    const worker: Worker = {
      async start() {
        await scheduler.start();
        // Placed by the first worker only: the next one finds them stored.
        if (id !== 'a') return;
        for (const to of numbers.slice(0, IN_FLIGHT)) {
          await scheduler.schedule({ to, at: new Date(T0 + 1_000) });
        }
      },
      stop: () => scheduler.stop(),
      on: (event, handler) => scheduler.on(event, handler),
      rows: async (s) => (await s.list({ campaign: null, limit: 100 })).items,
    };
    return worker;
  }
  const runner = createCampaignRunner({
    ...common,
    campaign: 'spring',
    entries: numbers.map((to) => ({ to })),
    concurrency: IN_FLIGHT,
  });
  const worker: Worker = {
    start: async () => void (await runner.start()),
    stop: () => runner.close(),
    on: (event, handler) => runner.on(event, handler),
    rows: async (s) => (await s.list({ campaign: 'spring', limit: 100 })).items,
  };
  return worker;
}

/**
 * One world: worker `a` places {@link IN_FLIGHT} calls and dies; the provider ends them as
 * {@link truthAfterDeath} says, with no webhook delivered; then the dead worker's leases run out.
 * `next()` starts worker `b` on another handle of the store, with a provider client of its own.
 */
async function afterDeath(suite: Suite, engine: Engine, kind: Kind) {
  const clock = createFakeClock(T0);
  const fake = providerOf(kind, clock);
  const handleA = suite.open();
  const countedA = countingStore(handleA);
  const store = killable(countedA.store);
  const provider = killable(fake.provider);
  const a = workerOf(engine, store.proxy, provider.proxy, clock, 'a');
  const countedB = countingStore(suite.again(handleA));
  /** Run in reverse order once the test is done: the worker stops before its stores close. */
  const cleanups: (() => Promise<void>)[] = [
    () => handleA.close(),
    async () => {
      if (countedB.store !== handleA) await countedB.store.close();
    },
  ];
  onTestFinished(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** Moves fake time on by `ms`, `by` at a time, each step once the stores have answered. */
  async function step(ms: number, by = 100) {
    for (let t = 0; t < ms; t += by) {
      await countedA.settled();
      await countedB.settled();
      await clock.advance(Math.min(by, ms - t));
    }
    await countedB.settled();
  }

  await a.start();
  await step(3_000);
  expect(fake.provider.placed).toHaveLength(IN_FLIGHT);
  const placed = (await a.rows(handleA)).filter((r) => r.providerCallId !== null);
  expect(placed.map((r) => r.status).sort()).toEqual(
    Array(IN_FLIGHT).fill(kind === 'polling' ? 'ringing' : 'initiated'),
  );
  store.kill();
  provider.kill();
  for (const row of placed)
    fake.truth.set(row.providerCallId!, truthAfterDeath(row.providerCallId!));
  await step(LEASE_MS + 1_000, 1_000);
  fake.looked.length = 0;
  fake.stats.mostAtOnce = 0;
  const startedAt = clock.now();

  const b = workerOf(engine, countedB.store, fake.provider, clock, 'b');
  const ends: string[] = [];
  const errors: { source: string; callId?: string }[] = [];
  b.on('completed', ({ call }) => ends.push(`${call.providerCallId}:completed`));
  b.on('failed', ({ call, reason }) => ends.push(`${call.providerCallId}:${reason}`));
  b.on('error', ({ source, callId }) => errors.push({ source, ...(callId && { callId }) }));
  async function next() {
    await b.start();
    cleanups.push(() => b.stop());
  }
  /** Worker `b`'s rows of the calls `a` placed, by provider id. */
  async function rowsOfA() {
    const rows = await b.rows(countedB.store);
    return new Map(
      rows
        .filter((r) => placed.some((p) => p.id === r.id))
        .map((r) => [placed.find((p) => p.id === r.id)!.providerCallId!, r]),
    );
  }
  return {
    clock,
    fake,
    store: countedB.store,
    placed,
    startedAt,
    step,
    next,
    rowsOfA,
    ends,
    errors,
  };
}

/** The ends `b` should tell: each call `a` placed that the provider ended, as the provider said. */
const expectedEnds = (placed: StoredCall[]) =>
  placed
    .map((r) => r.providerCallId!)
    .filter((id) => truthAfterDeath(id) !== 'answered')
    .map((id) => `${id}:${truthAfterDeath(id)}`)
    .sort();

function restartSuite(suite: Suite) {
  describe.each(['scheduler', 'campaign'] as const)(`%s calls (${suite.name} store)`, (engine) => {
    it('settles the calls a Twilio-like provider ended while no worker ran, as its look-up tells, long before callTimeoutMs', async () => {
      const world = await afterDeath(suite, engine, 'twilio-like');
      await world.next();
      await world.step(5_000);
      const rows = await world.rowsOfA();
      for (const [id, row] of rows) {
        expect([id, row.status, row.attempt]).toEqual([id, truthAfterDeath(id), 1]);
      }
      // Asked about each call once; ended through the outcomes: events, records, places.
      expect([...world.fake.looked].sort()).toEqual([...rows.keys()].sort());
      expect(world.ends.sort()).toEqual(expectedEnds(world.placed));
      for (const row of world.placed) {
        const end = truthAfterDeath(row.providerCallId!);
        if (end === 'answered') continue;
        const history = await world.store.listCallLog({ phone: row.to, limit: 10 });
        expect(history.items.map((h) => [h.status, h.endedAt !== null])).toEqual([[end, true]]);
      }
      expect(world.errors).toEqual([]);
      if (engine === 'campaign') {
        // The places the ended calls held went to the entries left.
        expect(world.fake.provider.placed.map((p) => p.to)).toEqual(numbers);
      }
      expect(world.clock.now() - world.startedAt).toBeLessThan(HOUR / 100);
    });

    it('settles the calls a polled provider ended while no worker ran, asking about a few at a time, and follows the one still alive', async () => {
      const world = await afterDeath(suite, engine, 'polling');
      await world.next();
      await world.step(5_000);
      const rows = await world.rowsOfA();
      for (const [id, row] of rows) {
        expect([id, row.status, row.attempt]).toEqual([id, truthAfterDeath(id), 1]);
      }
      expect(world.fake.stats.mostAtOnce).toBeLessThanOrEqual(LOOK_UP_CONCURRENCY);
      expect(world.ends.sort()).toEqual(expectedEnds(world.placed));
      // The call still talking is followed by the new worker, and ends when the provider says.
      expect(rows.get('p3')).toMatchObject({ status: 'answered', leaseOwner: 'b' });
      world.fake.truth.set('p3', 'completed');
      await world.step(3_000);
      expect((await world.rowsOfA()).get('p3')).toMatchObject({ status: 'completed' });
      expect(world.errors).toEqual([]);
    });

    it('leaves the calls of a provider that cannot be looked up to their webhooks, or to callTimeoutMs', async () => {
      const world = await afterDeath(suite, engine, 'webhooks only');
      await world.next();
      await world.step(5_000);
      for (const row of (await world.rowsOfA()).values()) expect(row.status).toBe('initiated');
      expect(world.ends).toEqual([]);
      await world.step(HOUR, 60_000);
      for (const row of (await world.rowsOfA()).values()) {
        expect(row).toMatchObject({ status: 'failed', reason: 'timeout' });
      }
    });

    it('reports a look-up that fails as an error event and leaves that call in flight, ends a call the provider no longer knows, and settles the rest', async () => {
      const world = await afterDeath(suite, engine, 'twilio-like');
      world.fake.failing.set('p4', new Error('socket hang up'));
      const request = { method: 'GET', url: 'https://api.example/calls/p5' };
      const gone = new HttpError({
        status: 404,
        request,
        body: '',
        headers: new Headers(),
        attempts: 1,
      });
      world.fake.failing.set('p5', gone);
      await world.next();
      await world.step(5_000);
      const rows = await world.rowsOfA();
      expect(rows.get('p4')).toMatchObject({ status: 'initiated' });
      expect(rows.get('p5')).toMatchObject({ status: 'failed', reason: 'watch_failed' });
      expect(rows.get('p0')).toMatchObject({ status: 'completed' });
      expect(rows.get('p1')).toMatchObject({ status: 'busy' });
      const ids = (id: string) => world.placed.find((r) => r.providerCallId === id)!.id;
      const byCall = (a: { callId?: string }, b: { callId?: string }) =>
        (a.callId ?? '').localeCompare(b.callId ?? '');
      expect(world.errors.sort(byCall)).toEqual(
        [
          { source: 'provider', callId: ids('p4') },
          { source: 'provider', callId: ids('p5') },
        ].sort(byCall),
      );
    });
  });

  it('looks up a call whose follow lease a dead worker held before giving the lease up (webhooks)', async () => {
    const clock = createFakeClock(T0);
    const store = suite.open();
    // Followed by polling under a lease until the provider was set up to send webhooks.
    await store.insert(
      storedCall({
        id: 'left',
        to: numbers[0]!,
        status: 'ringing',
        dueAt: T0 - 60_000,
        providerCallId: 'px',
        placingAt: T0 - 60_000,
        leaseOwner: 'dead',
        leaseUntil: T0 + LEASE_MS,
        events: [{ status: 'initiated', at: T0 - 59_000, attempt: 1 }],
      }),
    );
    const fake = providerOf('twilio-like', clock);
    fake.truth.set('px', 'completed');
    const counted = countingStore(store);
    const scheduler = createScheduler({
      store: counted.store,
      provider: fake.provider,
      clock,
      callerId: ME,
      leaseMs: LEASE_MS,
      recheckIntervalMs: 0,
      callTimeoutMs: HOUR,
    });
    await scheduler.start();
    onTestFinished(async () => {
      await scheduler.stop();
      await store.close();
    });
    for (let t = 0; t < LEASE_MS + 1_000; t += 100) {
      await counted.settled();
      await clock.advance(100);
    }
    await counted.settled();
    expect(fake.looked).toEqual(['px']);
    expect(await scheduler.get('left')).toMatchObject({ status: 'completed', attempt: 1 });
  });
}

describe('the pass over the calls in flight at start', () => {
  it('is tried again a minute later when the store fails it, and reported', async () => {
    const clock = createFakeClock(T0);
    const inner = createMemoryStore();
    await inner.insert(
      storedCall({
        id: 'webhooks-lost',
        to: numbers[0]!,
        status: 'ringing',
        dueAt: T0 - 60_000,
        providerCallId: 'px',
        placingAt: T0 - 60_000,
        events: [{ status: 'initiated', at: T0 - 59_000, attempt: 1 }],
      }),
    );
    let failures = 1;
    const store: Store = Object.assign(Object.create(inner) as Store, {
      list: (query: Parameters<Store['list']>[0]) =>
        failures-- > 0
          ? Promise.reject(new Error('the database is restarting'))
          : inner.list(query),
    });
    const fake = providerOf('twilio-like', clock);
    fake.truth.set('px', 'completed');
    const scheduler = createScheduler({
      store,
      provider: fake.provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
      callTimeoutMs: HOUR,
    });
    const errors: string[] = [];
    scheduler.on('error', ({ source, error }) =>
      errors.push(`${source}: ${(error as Error).message}`),
    );
    await scheduler.start();
    onTestFinished(() => scheduler.stop());
    await clock.advance(59_000);
    expect(errors).toEqual(['store: the database is restarting']);
    expect(await scheduler.get('webhooks-lost')).toMatchObject({ status: 'ringing' });
    await clock.advance(1_000 + LOOK_UP_MS);
    expect(fake.looked).toEqual(['px']);
    expect(await scheduler.get('webhooks-lost')).toMatchObject({ status: 'completed' });
  });
});

const dir = mkdtempSync(join(tmpdir(), 'ringkit-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** The file of each SQLite store opened here. */
const paths = new WeakMap<Store, string>();
const openSqlite = (path: string) => {
  const store = createSqliteStore({ path });
  paths.set(store, path);
  return store;
};

describe('after a restart, calls in flight are found again', () => {
  restartSuite({ name: 'memory', open: () => createMemoryStore(), again: (store) => store });
  restartSuite({
    name: 'sqlite',
    open: () => openSqlite(join(dir, `restart-${++files}.db`)),
    again: (store) => openSqlite(paths.get(store)!),
  });
});

describeWithDatabase('after a restart, calls in flight are found again (postgres)', (url) => {
  restartSuite({ name: 'postgres', ...postgresSuiteStores(url) });
});
