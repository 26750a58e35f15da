/**
 * Helpers of the query-plan tests (`*.plans.test.ts`, not part of the package): a workload that
 * drives every store method the scheduler and the demo use through the public API, a store proxy
 * that says which method (and which shape of `list` or `listHistory`) sent each statement, and
 * the naming and filtering of the statements captured. Each store's test captures the SQL its
 * store sends while the workload runs and reads the plan of every statement on a large table.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { CallProvider, CallStatus } from '@ringkit/call-client';
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import { newStoredCall } from '../src/_rows.js';
import { isConflictError } from '../src/errors.js';
import { createScheduler, type Scheduler } from '../src/scheduler.js';
import { describe, expect, it } from 'vitest';
import type {
  CampaignCallsQuery,
  CampaignClaimOptions,
  Store,
  StoredCall,
  StoredCallPatch,
  StoredCampaign,
  StoreListQuery,
} from '../src/store.js';
import { createFakeProvider, type FakeProvider } from '@ringkit/simulator';

/** The workload's start: the loaded data lies before it (finished) and after it (scheduled). */
export const T0 = Date.UTC(2026, 5, 1, 12);
export const DAY_MS = 86_400_000;
/** The scheduler's caller id: the `from` of most call records (the demo reads its history). */
export const CALLER_ID = '+14155550100';
/** How many distinct numbers the loaded data calls; `phone(i)` is one of them. */
export const PHONES = 10_000;
/** The `i`-th number of the loaded data (`+14153000000` on); the SQL of each store builds the same. */
export const phone = (i: number) => `+1415300${String(i % PHONES).padStart(4, '0')}`;
/** The age (days) past which the retention of the workload deletes: the loaded data spans 90. */
export const RETENTION_DAYS = 89.5;

/** A statement a store sent, with its parameters and the store method it served. */
export interface Captured {
  text: string;
  values: unknown[];
  /** `list(status×2, to)`, `claimDue`…; `null` when sent outside any store method. */
  tag: string | null;
}

const running = new AsyncLocalStorage<string>();

/** The store method (and query shape) running in the current async context. */
export const currentTag = (): string | null => running.getStore() ?? null;

function tagOf(method: string, args: unknown[]): string {
  if (method === 'list') {
    const query = args[0] as StoreListQuery;
    const parts: string[] = [];
    if (query.campaign != null) parts.push('campaign');
    if (query.status !== undefined) parts.push(`status×${[query.status].flat().length}`);
    if (query.to !== undefined) parts.push('to');
    if (query.cursor) parts.push('cursor');
    return `list(${parts.join(', ')})`;
  }
  if (method === 'listHistory') {
    return (args[1] as { cursor?: string | null }).cursor ? 'listHistory(cursor)' : 'listHistory()';
  }
  if (method === 'listCampaigns') {
    return (args[0] as { cursor?: string | null }).cursor
      ? 'listCampaigns(cursor)'
      : 'listCampaigns()';
  }
  if (method === 'claimCampaign') {
    return (args[5] as CampaignClaimOptions | undefined)?.budget
      ? 'claimCampaign(budget)'
      : 'claimCampaign()';
  }
  if (method === 'listCampaignCalls') {
    const query = args[1] as CampaignCallsQuery;
    const parts: string[] = [];
    if (query.status !== undefined) parts.push(`status×${query.status.length}`);
    if (query.afterPosition != null) parts.push('after');
    return `listCampaignCalls(${parts.join(', ')})`;
  }
  return method;
}

/** A store whose calls are told apart and counted (see {@link taggingStore}). */
export interface TaggedStore<S extends Store = Store> {
  store: S;
  /** Calls not answered yet. */
  inFlight(): number;
}

/**
 * `inner`, each method run inside an async context naming it (see {@link currentTag}), so that
 * the statements it sends can be told apart, and its calls not answered yet counted.
 */
export function taggingStore<S extends Store>(inner: S): TaggedStore<S> {
  let pending = 0;
  const settled = () => void (pending -= 1);
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        const result = running.run(tagOf(key, args), () =>
          (value as (...a: unknown[]) => unknown).apply(target, args),
        );
        if (result instanceof Promise) {
          pending += 1;
          result.then(settled, settled);
        }
        return result;
      };
    },
  });
  return { store, inFlight: () => pending };
}

/**
 * Whether a statement has a plan worth reading: a SELECT, INSERT, UPDATE, DELETE or WITH, not
 * one of transaction control, LISTEN, settings, advisory locks or migrations.
 */
export function isPlannable(text: string): boolean {
  const head = text.trimStart().slice(0, 12).toUpperCase();
  if (!/^(SELECT|INSERT|UPDATE|DELETE|WITH)\b/.test(head)) return false;
  return !/schema_migrations|pg_advisory|sqlite_master|sqlite_schema|pragma/i.test(text);
}

/** A statement on one line, short enough for a test name: column and parameter lists elided. */
export function shortSql(text: string, max = 140): string {
  const short = text
    .replace(/\s+/g, ' ')
    .replace(/"[a-z0-9_]+"\./g, '')
    // Lists of four or more columns or parameters, as every statement of a row has.
    .replace(/\b(?:\w+\.)?\w+(?:, (?:\w+\.)?\w+){3,}\b/g, '…')
    .replace(/\$\d+(?:::[a-z0-9 ]+(?:\[\])?)?(?:, \$\d+(?:::[a-z0-9 ]+(?:\[\])?)?){3,}/gi, '$…')
    .replace(/\?(?:, \?){3,}/g, '?…')
    .trim();
  return short.length > max ? `${short.slice(0, max - 1)}…` : short;
}

/** One statement text with the parameter sets it ran with (at most `maxSamples` distinct ones). */
export interface Statement {
  text: string;
  /** The store methods that sent it, in the order first seen. */
  tags: string[];
  samples: unknown[][];
}

/** Groups the plannable statements captured by text, keeping distinct parameter sets. */
export function distinctStatements(captured: Captured[], maxSamples = 20): Statement[] {
  const byText = new Map<string, Statement & { seen: Set<string> }>();
  for (const { text, values, tag } of captured) {
    if (!isPlannable(text)) continue;
    let statement = byText.get(text);
    if (!statement)
      byText.set(text, (statement = { text, tags: [], samples: [], seen: new Set() }));
    if (tag !== null && !statement.tags.includes(tag)) statement.tags.push(tag);
    const key = JSON.stringify(values);
    if (statement.samples.length < maxSamples && !statement.seen.has(key)) {
      statement.seen.add(key);
      statement.samples.push(values);
    }
  }
  return [...byText.values()].map(({ text, tags, samples }) => ({ text, tags, samples }));
}

/**
 * Test names for the statements: the methods that sent it, then the SQL; two that read the same
 * once shortened get a digest of their whole text (schema left out), the same from run to run.
 */
export function statementNames(statements: Statement[]): string[] {
  const bases = statements.map(
    (s) => `${s.tags.join(', ') || 'outside any store method'}: ${shortSql(s.text)}`,
  );
  return statements.map((s, i) => {
    const base = bases[i]!;
    if (bases.indexOf(base) === bases.lastIndexOf(base)) return base;
    const normal = s.text.replace(/\s+/g, ' ').replace(/"[a-z0-9_]+"\./g, '');
    return `${base} #${createHash('sha1').update(normal).digest('hex').slice(0, 6)}`;
  });
}

/**
 * The store methods (by tag) the workload must have seen send SQL, so a test cannot pass by
 * capturing nothing. The optional ones count where the store has them.
 */
export function expectedTags(store: Store): string[] {
  return [
    'insert',
    'insertMany',
    'get',
    'findByIdempotencyKey',
    'findByProviderCallId',
    'updateMany',
    'claimDue',
    'countByStatus',
    'list()',
    'list(cursor)',
    'list(status×1)',
    'list(status×2)',
    'list(status×5)',
    'list(to)',
    'list(to, cursor)',
    'list(status×1, to)',
    'list(status×1, cursor)',
    'saveCallRecord',
    'listHistory()',
    'listHistory(cursor)',
    ...(store.claimDueBudgeted ? ['claimDueBudgeted'] : []),
    ...(store.deleteFinished ? ['deleteFinished'] : []),
    ...(store.deleteCallRecords ? ['deleteCallRecords'] : []),
    ...(store.acquireLease ? ['acquireLease'] : []),
    ...(store.claimCampaign
      ? [
          'insertCampaign',
          'getCampaign',
          'listCampaigns()',
          'listCampaigns(cursor)',
          'updateCampaign',
          'claimCampaign()',
          'claimCampaign(budget)',
          'nextCampaignWake',
          'listCampaignCalls()',
          'listCampaignCalls(after)',
          'listCampaignCalls(status×1)',
          'listCampaignCalls(status×4)',
          'listCampaignCalls(status×2, after)',
          'countCampaign',
          'list(campaign)',
          'list(campaign, cursor)',
          'list(campaign, status×1)',
          'list(campaign, status×2)',
          'list(campaign, to)',
          'list(campaign, status×1, cursor)',
        ]
      : []),
  ];
}

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

/** The workload's campaign: its id, its entries, and how many may be live at once. */
export const CAMPAIGN = 'plans-campaign';
export const CAMPAIGN_ENTRIES = 20_000;
const CAMPAIGN_CONCURRENCY = 50;
/** How long a placement of unknown outcome holds its place under the cap. */
const HOLD_MS = 60_000;

/** A campaign row of the workload, created at `at`. */
const campaignRow = (id: string, total: number, at: number): StoredCampaign => ({
  id,
  state: 'running',
  concurrency: CAMPAIGN_CONCURRENCY,
  total,
  fingerprint: `plans-${id}`,
  settings: { callsPerSecond: null },
  nextSlotAt: 0,
  createdAt: at,
  updatedAt: at,
  version: 1,
});

/** `total` entries of campaign `id`, all due at `at`, calling the loaded data's numbers. */
const campaignEntries = (id: string, total: number, at: number): StoredCall[] =>
  Array.from({ length: total }, (_, position) => ({
    ...newStoredCall({
      id: `${id}-${String(position).padStart(6, '0')}`,
      to: phone(position * 3),
      dueAt: at,
      now: at,
      idempotencyKey: null,
      options: null,
    }),
    campaign: id,
    position,
  }));

/** Compare-and-sets of rows as read, through `updateMany` where the store has it. */
async function patchRows(store: Store, changes: [StoredCall, StoredCallPatch][]) {
  if (store.updateMany) {
    const applied = await store.updateMany(
      changes.map(([row, patch]) => ({ id: row.id, expectedVersion: row.version, patch })),
    );
    if (applied.includes(false)) throw new Error('plans workload: a campaign row moved meanwhile');
    return;
  }
  for (const [row, patch] of changes) await store.update(row.id, row.version, patch);
}

/** Runs `fn`, which must fail with a `ConflictError` of `reason`. */
async function refused(what: string, reason: string, fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (error) {
    if (isConflictError(error) && error.reason === reason) return;
    throw error;
  }
  throw new Error(`plans workload: ${what} was not refused`);
}

/**
 * A campaign of {@link CAMPAIGN_ENTRIES} entries beside the scheduler's calls, driven through
 * the store's campaign methods as `createCampaignRunner` drives them (a store without them is
 * left out): stored at once (and a duplicate refused), claimed under its cap in list order
 * with and without a send budget, its rows moved on (ended, in flight, of unknown outcome and
 * held, a retry waiting), paused (only adoption of the leases that ran out) and resumed, its
 * next wake, pages of its rows by position and status, its counts, the campaigns page by page,
 * and the scheduler-wide `list` of one campaign. Run first, so that the scheduler's own
 * statements run with campaign rows beside its calls (and must never claim one).
 */
async function campaignWork(store: Store): Promise<void> {
  if (
    !store.insertCampaign ||
    !store.getCampaign ||
    !store.listCampaigns ||
    !store.updateCampaign ||
    !store.claimCampaign ||
    !store.nextCampaignWake ||
    !store.listCampaignCalls ||
    !store.countCampaign
  ) {
    return;
  }
  const created = T0 - 2 * DAY_MS;
  await store.insertCampaign(
    campaignRow(CAMPAIGN, CAMPAIGN_ENTRIES, created),
    campaignEntries(CAMPAIGN, CAMPAIGN_ENTRIES, created),
  );
  // A second, small campaign: the campaigns' pages, and claims that keep to their own rows.
  const small = `${CAMPAIGN}-small`;
  await store.insertCampaign(
    campaignRow(small, 10, created + 60_000),
    campaignEntries(small, 10, created + 60_000),
  );
  await refused('a campaign stored twice', 'duplicate', () =>
    store.insertCampaign!(campaignRow(small, 0, created), []),
  );
  if ((await store.getCampaign('plans-no-such-campaign')) !== null) {
    throw new Error('plans workload: an unknown campaign was found');
  }

  // Claims under the cap, in list order, and the claimed rows moved on.
  const start = T0 - 3_600_000;
  const claim = (now: number, limit: number, worker: string, budget: boolean) =>
    store.claimCampaign!(CAMPAIGN, now, limit, worker, now + 30_000, {
      holdMs: HOLD_MS,
      ...(budget && { budget: { intervalMs: 50, horizonMs: 1_000 } }),
    });
  const first = await claim(start, 30, 'plans-c1', false);
  if (first.calls.length !== 30) {
    throw new Error(`plans workload: the first campaign claim took ${first.calls.length} rows`);
  }
  const at = start + 5_000;
  await patchRows(
    store,
    first.calls.map((row, i): [StoredCall, StoredCallPatch] => {
      if (i < 10) {
        return [row, { status: 'completed', leaseOwner: null, leaseUntil: null, updatedAt: at }];
      }
      if (i < 15) {
        return [
          row,
          {
            status: 'failed',
            reason: 'outcome_unknown',
            placingAt: at,
            leaseOwner: null,
            leaseUntil: null,
          },
        ];
      }
      if (i < 20) {
        return [row, { status: 'ringing', placingAt: at, providerCallId: `CA-plans-c${i}` }];
      }
      if (i < 22) {
        // A retry waiting for its backoff: due again later.
        return [
          row,
          {
            status: 'scheduled',
            dueAt: start + 600_000,
            attempt: 2,
            leaseOwner: null,
            leaseUntil: null,
          },
        ];
      }
      return [row, { placingAt: at }];
    }),
  );
  await claim(start + 1_000, 100, 'plans-c2', true);
  await store.nextCampaignWake(CAMPAIGN, start + 1_000, HOLD_MS);

  // Paused: the leases that ran out are adopted, nothing new is claimed.
  let campaign = (await store.getCampaign(CAMPAIGN))!;
  campaign = await store.updateCampaign(CAMPAIGN, campaign.version, {
    state: 'paused',
    updatedAt: start + 31_000,
  });
  await refused('a stale campaign update', 'version_conflict', () =>
    store.updateCampaign!(CAMPAIGN, campaign.version - 1, { state: 'stopped' }),
  );
  await claim(start + 31_000, 100, 'plans-c3', false);
  campaign = await store.updateCampaign(CAMPAIGN, campaign.version, {
    state: 'running',
    concurrency: CAMPAIGN_CONCURRENCY + 10,
    settings: { callsPerSecond: 20 },
    updatedAt: start + 32_000,
  });
  // The holds passed: their places are free again.
  const later = start + HOLD_MS + 10_000;
  await store.nextCampaignWake(CAMPAIGN, later, HOLD_MS);
  await claim(later, 100, 'plans-c4', true);
  await claim(later + 100, 100, 'plans-c4', false);
  const none = await store.claimCampaign(small, later, 0, 'plans-c4', later + 30_000, {
    holdMs: HOLD_MS,
  });
  if (none.calls.length !== 0) throw new Error('plans workload: a claim of 0 took rows');
  await store.claimCampaign('plans-no-such-campaign', later, 10, 'plans-c4', later + 30_000, {
    holdMs: HOLD_MS,
  });

  // What the runner and the dialer read: pages in list order, counts, the campaigns.
  const page = await store.listCampaignCalls(CAMPAIGN, { limit: 100 });
  await store.listCampaignCalls(CAMPAIGN, {
    afterPosition: page[page.length - 1]?.position ?? null,
    limit: 100,
  });
  await store.listCampaignCalls(CAMPAIGN, { status: ['scheduled'], limit: 500 });
  await store.listCampaignCalls(CAMPAIGN, {
    status: ['queued', 'initiated', 'ringing', 'answered'],
    limit: 500,
  });
  await store.listCampaignCalls(CAMPAIGN, {
    status: ['failed', 'completed'],
    afterPosition: 2,
    limit: 50,
  });
  await store.countCampaign(CAMPAIGN);
  await store.countCampaign('plans-no-such-campaign');
  const campaigns = await store.listCampaigns({ limit: 1 });
  await store.listCampaigns({ limit: 1, cursor: campaigns.nextCursor });

  // The scheduler-wide list of one campaign's rows.
  const rows = await store.list({ campaign: CAMPAIGN, limit: 50 });
  await store.list({ campaign: CAMPAIGN, limit: 50, cursor: rows.nextCursor });
  const waiting = await store.list({ campaign: CAMPAIGN, status: 'scheduled', limit: 50 });
  await store.list({
    campaign: CAMPAIGN,
    status: 'scheduled',
    limit: 50,
    cursor: waiting.nextCursor,
  });
  await store.list({ campaign: CAMPAIGN, status: ['queued', 'ringing'], limit: 50 });
  await store.list({ campaign: CAMPAIGN, to: phone(3), limit: 50 });
}

/**
 * Drives `store` as the scheduler and the demo do, through the public API: schedule (one, many,
 * an idempotency key reused), get, list (every filter, with a cursor), counts, history (with a
 * cursor, of a number and of the caller id), recordCall, reschedule, cancel (before placement
 * and in flight), claims and placements (`claimDue`, and the budgeted claim with
 * `callsPerSecond`), polling, webhooks through `handleStatus`, batched writes, and retention
 * where the store can delete; and first, where the store has campaigns, a campaign beside them
 * (`campaignWork`). The numbers it calls (`phone(i)`) have history in the loaded data.
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
  await a.recordCall({
    from: phone(9),
    to: CALLER_ID,
    status: 'no-answer',
    startedAt: new Date(T0),
  });

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
  for (const id of hooks.ids) await b.handleStatus(event(id, 'completed'));
  await wait('the webhook calls to end', () => seenB.ended.size >= batch.length);
  await b.stop();

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

/** What a plan test found for one distinct statement. */
export interface PlanResult {
  name: string;
  text: string;
  /** The store methods (and shapes) that sent it. */
  tags: string[];
  /** The plans of the parameter sets with a finding, for the failure message. */
  plans: string;
}

/**
 * The tests of a plan test, in the block that declares them: the workload sent SQL for every
 * method `expected` names, and then, per rule, one test per statement that fails on the rule's
 * findings (with the statement and its plans in the message).
 */
export function planTests<R extends PlanResult>(
  results: R[],
  expected: string[],
  rules: { title: string; findings: (result: R) => string[] }[],
): void {
  it('the workload made every store method the scheduler and the demo use send SQL', () => {
    const sent = new Set(results.flatMap((result) => result.tags));
    expect(expected.filter((tag) => !sent.has(tag))).toEqual([]);
  });
  for (const rule of rules) {
    describe(rule.title, () => {
      for (const result of results) {
        it(result.name, () => {
          expect(rule.findings(result), `${result.text}\n\n${result.plans}`).toEqual([]);
        });
      }
    });
  }
}
