/**
 * The workload of the plan tests: every store method the scheduler and the demo use, driven
 * through the public API on a fake clock.
 */
import type { CallProvider, CallStatus } from '@ringkit/call-client';
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider, type FakeProvider } from '@ringkit/simulator';
import { createScheduler, type Scheduler } from '../../src/scheduler.js';
import { withoutClaimMarks } from '../fakes.js';
import { campaignWork } from './campaign-work.js';
import { CALLER_ID, DAY_MS, phone, RETENTION_DAYS, T0 } from './data.js';
import type { TaggedStore } from './tagging.js';

/** A provider whose call ids start with `prefix`, so two of them never hand out the same id. */
function prefixed(prefix: string, inner: FakeProvider): CallProvider & { ids: string[] } {
  const ids: string[] = [];
  const strip = (id: string) => id.slice(prefix.length);
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    ids,
    async placeCall(request) {
      const call = await inner.placeCall(request);
      ids.push(prefix + call.id);
      return { ...call, id: prefix + call.id };
    },
    ...(inner.getCall && {
      getCall: async (id: string) => ({ ...(await inner.getCall!(strip(id))), id }),
    }),
    ...(inner.cancelCall && {
      cancelCall: async (id: string) => ({ ...(await inner.cancelCall!(strip(id))), id }),
    }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An error of the workload, with the schedulers' error events in its message. */
const workloadError = (what: string, errors: unknown[]) =>
  new Error(
    [`plans workload: ${what}`, ...errors.map((e) => `  error event: ${String(e)}`)].join('\n'),
  );

/** The longest the fake clock moves in one step: less than a paced call may be late by. */
const STEP_MS = 20;

/**
 * Moves the fake clock until `done` holds, in short steps, each once the store has answered
 * every call and a few turns of the event loop have passed without one: however slow the
 * machine, time never runs ahead of the store's I/O (a paced call would find its turn gone).
 */
async function until(
  what: string,
  tagged: TaggedStore,
  clock: FakeClock,
  done: () => boolean,
  errors: unknown[],
) {
  for (let step = 0; step < 5_000; step++) {
    for (let quiet = 0; quiet < 3;) {
      await sleep(1);
      quiet = tagged.inFlight() === 0 ? quiet + 1 : 0;
    }
    if (done()) return;
    await clock.advance(STEP_MS);
  }
  throw workloadError(`gave up waiting for ${what}`, errors);
}

/** Counts the ended calls of a scheduler and keeps its errors. */
function watch(scheduler: Scheduler, errors: unknown[]) {
  const ended = new Set<string>();
  const status = new Map<string, string>();
  for (const event of ['completed', 'failed', 'canceled'] as const) {
    scheduler.on(event, ({ call }) => ended.add(call.id));
  }
  scheduler.on('status', ({ call, status: s }) => status.set(call.id, s));
  scheduler.on('error', (e) => errors.push(e.error));
  return { ended, status };
}

/**
 * Drives `store` as the scheduler and the demo do, through the public API: schedule (one, many,
 * an idempotency key reused), get, list (every filter, with a cursor), counts, history (with a
 * cursor, of a number and of the caller id), recordCall, reschedule, cancel (before placement
 * and in flight), claims and placements (`claimDue` marking, plain with calls claimed ahead,
 * and under a budget with `callsPerSecond`), polling, webhooks through
 * `handleStatus`, batched writes, and retention where the store can delete; and first, where the
 * store has campaigns, a campaign beside them (`campaignWork`). The numbers it calls (`phone(i)`)
 * have history in the loaded data.
 */
export async function runWorkload(tagged: TaggedStore): Promise<void> {
  const { store } = tagged;
  await campaignWork(store);
  const clock = createFakeClock(T0);
  const errors: unknown[] = [];
  const wait = (what: string, done: () => boolean) => until(what, tagged, clock, done, errors);
  const held = phone(9_998);
  const polling = prefixed(
    'a-',
    createFakeProvider({
      clock,
      cancelCall: true,
      // One number rings until canceled; the others complete after a few polls.
      script: (to) => (to === held ? ['ringing'] : ['ringing', 'answered', 'completed']),
    }),
  );
  const a = createScheduler({
    store,
    provider: polling,
    clock,
    callerId: CALLER_ID,
    workerId: 'plans-a',
    concurrency: 8,
    watchIntervalMs: 1_000,
  });
  const seenA = watch(a, errors);

  // Scheduling: one call, an idempotency key used twice, many calls in one batch.
  const first = await a.schedule({
    to: phone(1),
    at: new Date(T0 + 1_000),
    idempotencyKey: 'plans-k1',
  });
  const again = await a.schedule({
    to: phone(1),
    at: new Date(T0 + 1_000),
    idempotencyKey: 'plans-k1',
  });
  if (again.id !== first.id)
    throw new Error('plans workload: the idempotency key was not honoured');
  for (let i = 2; i <= 4; i++) {
    await a.schedule({ to: phone(i), at: new Date(T0 + 1_000), metadata: { n: i } });
  }
  const many = await a.scheduleMany(
    Array.from({ length: 30 }, (_, i) => ({
      to: phone(10 + i),
      at: new Date(T0 + 2_000),
      ...(i % 3 === 0 && { idempotencyKey: `plans-m${i}` }),
    })),
  );
  const ringing = await a.schedule({ to: held, at: new Date(T0 + 1_000) });
  const later = await a.schedule({ to: phone(5), at: new Date(T0 + 3_600_000) });
  await a.reschedule(later.id, new Date(T0 + 1_500));
  const dropped = await a.schedule({ to: phone(6), at: new Date(T0 + 1_800_000) });
  await a.cancel(dropped.id);
  await a.get(first.id);

  // What the demo's pages and API read.
  const lists = async (scheduler: Scheduler) => {
    const page = await scheduler.list({ limit: 5 });
    await scheduler.list({ limit: 5, cursor: page.nextCursor });
    await scheduler.list({ status: 'scheduled', limit: 20 });
    await scheduler.list({ status: 'ringing' });
    await scheduler.list({ status: ['scheduled', 'queued'] });
    await scheduler.list({ status: ['scheduled', 'queued', 'initiated', 'ringing', 'answered'] });
    await scheduler.list({ status: ['failed', 'canceled'], limit: 10 });
    await scheduler.list({ to: phone(1) });
    const byPhone = await scheduler.list({ to: phone(7), limit: 2 });
    await scheduler.list({ to: phone(7), limit: 2, cursor: byPhone.nextCursor });
    await scheduler.list({ status: 'completed', to: phone(1) });
    const done = await scheduler.list({ status: 'completed', limit: 5 });
    await scheduler.list({ status: 'completed', limit: 5, cursor: done.nextCursor });
    await scheduler.counts();
    const history = await scheduler.history(phone(3), { limit: 5 });
    await scheduler.history(phone(3), { limit: 5, cursor: history.nextCursor });
    const own = await scheduler.history(CALLER_ID, { limit: 200 });
    await scheduler.history(CALLER_ID, { limit: 200, cursor: own.nextCursor });
  };
  await lists(a);
  await a.recordCall({
    from: CALLER_ID,
    to: phone(8),
    status: 'completed',
    startedAt: new Date(T0 - 120_000),
    answeredAt: new Date(T0 - 110_000),
    endedAt: new Date(T0 - 60_000),
  });
  // An inbound call told by two webhooks: the second is merged into the record of the first.
  for (const status of ['ringing', 'no-answer'] as const) {
    await a.recordCall({
      id: 'twilio:CA-plans',
      from: phone(9),
      to: CALLER_ID,
      status,
      startedAt: new Date(T0),
      recordingUrl: status === 'ringing' ? null : 'https://api.example/recordings/RE1',
    });
  }

  // Claims, placements, polling: every call due ends but the one that keeps ringing.
  await a.start();
  const placedByA = 4 + many.length + 1;
  await wait('the first calls to end', () => seenA.ended.size >= placedByA);
  await wait('the held call to ring', () => seenA.status.get(ringing.id) === 'ringing');
  await a.cancel(ringing.id);
  await lists(a);
  await a.stop();

  // A second worker: webhooks (handleStatus by provider call id) and a send budget.
  const hooks = prefixed('b-', createFakeProvider({ clock, follow: 'webhooks' }));
  const b = createScheduler({
    store,
    provider: hooks,
    clock,
    callerId: CALLER_ID,
    workerId: 'plans-b',
    concurrency: 8,
    callsPerSecond: 20,
  });
  const seenB = watch(b, errors);
  const batch = await b.scheduleMany(
    Array.from({ length: 20 }, (_, i) => ({
      to: phone(100 + i),
      at: new Date(clock.now() + 1_000),
    })),
  );
  await b.start();
  await wait('the budgeted calls to be placed', () => hooks.ids.length >= batch.length);
  const event = (callId: string, status: CallStatus) => ({
    callId,
    status,
    providerStatus: status,
    at: new Date(clock.now()),
  });
  for (const id of hooks.ids) await b.handleStatus(event(id, 'ringing'));
  await clock.advance(1_000);
  for (const [n, id] of hooks.ids.entries()) {
    await b.handleStatus(event(id, n % 4 === 0 ? 'no-answer' : 'answered'));
  }
  await clock.advance(1_000);
  // The last webhooks reach another worker, which looks each call up by its provider id (the
  // worker that placed them starts from the rows it wrote).
  const other = createScheduler({
    store,
    provider: hooks,
    clock,
    callerId: CALLER_ID,
    workerId: 'plans-b2',
  });
  const seenOther = watch(other, errors);
  for (const id of hooks.ids) await other.handleStatus(event(id, 'completed'));
  // Calls looked up by their provider ids at once (webhooks reaching a worker together): where
  // the store answers them in one statement, that statement is planned too.
  await Promise.all(hooks.ids.map((id) => store.findByProviderCallId(hooks.name, id)));
  await wait(
    'the webhook calls to end',
    () => seenB.ended.size + seenOther.ended.size >= batch.length,
  );
  await b.stop();

  // A worker on the store as one whose claim cannot mark: its claims are plain, with calls
  // claimed ahead (where the store's claims mark, the scheduler's claims all mark).
  if (store.capabilities.marks) {
    const c = createScheduler({
      store: withoutClaimMarks(store),
      provider: createFakeProvider({ clock, initialStatus: () => 'completed' }),
      clock,
      callerId: CALLER_ID,
      workerId: 'plans-c',
      concurrency: 2,
    });
    const seenC = watch(c, errors);
    await c.scheduleMany(
      Array.from({ length: 5 }, (_, i) => ({
        to: phone(200 + i),
        at: new Date(clock.now() + 1_000),
      })),
    );
    await c.start();
    await wait('the calls claimed ahead to end', () => seenC.ended.size >= 5);
    await c.stop();
  }

  // Retention, where the store can delete: its own calls, and a scheduler's passes.
  if (store.deleteFinished && store.deleteCallRecords && store.acquireLease) {
    const before = clock.now() - RETENTION_DAYS * DAY_MS;
    await store.acquireLease('plans', 'plans-c', clock.now(), clock.now() + 30_000);
    await store.deleteFinished(before, 50);
    await store.deleteCallRecords(before, 50);
    const r = createScheduler({
      store,
      provider: createFakeProvider({ clock }),
      clock,
      callerId: CALLER_ID,
      workerId: 'plans-r',
      retention: {
        finishedAfterDays: RETENTION_DAYS,
        historyAfterDays: RETENTION_DAYS,
        batchSize: 100,
      },
    });
    let pruned = false;
    r.on('pruned', () => (pruned = true));
    r.on('error', (e) => errors.push(e.error));
    await r.start();
    await wait('a retention pass', () => pruned);
    await r.stop();
  }
  if (errors.length > 0) throw workloadError('error events', errors);
}
