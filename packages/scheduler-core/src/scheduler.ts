import {
  toE164,
  type CallStatusEvent,
  type CountryCode,
  type InboundCallUpdate,
} from '@ringkit/call-client';
import { createSafeEmitter } from '@ringkit/internal';
import type { Emitter } from 'mitt';
import { CallNotFoundError, ValidationError } from './errors.js';
import type { SchedulerEvents } from './events.js';
import { resolveOptions, type SchedulerOptions } from './options.js';
import { createDispatcher } from './dispatch/_dispatch.js';
import { rescheduled } from './dispatch/_transitions.js';
import { toCallRecord, toHistoryEntry } from './_records.js';
import { createCallLog, type CallLogOptions } from './_call-log.js';
import { createRecordWriter, inboundRecordOf, validateRecordCall } from './_record-call.js';
import { toScheduledCall } from './_rows.js';
import { createScheduling } from './_schedule.js';
import { customIssue, parseAt, validateLimit } from './_validate.js';
import { createMutate, createWriter } from './dispatch/_writes.js';
import { LIVE_STATUSES, type LiveStatus, type Store, type StoredCall } from './store.js';
import { createRetention } from './_retention.js';
import {
  SCHEDULED_CALL_STATUSES,
  type CallRecord,
  type HistoryEntry,
  type Page,
  type RecordCallInput,
  type ScheduledCall,
  type ScheduledCallStatus,
  type ScheduleInput,
} from './types.js';
import type { ValidationIssue } from './errors.js';

/** What `list()` takes. */
export interface ListOptions {
  status?: ScheduledCallStatus | ScheduledCallStatus[];
  /** Only calls to this number (any form `toE164` accepts). */
  to?: string;
  cursor?: string | null;
  /** @default 50 */
  limit?: number;
}

/** A scheduler, as {@link createScheduler} returns it. */
export interface Scheduler {
  readonly workerId: string;
  /** Stores a call to place at `input.at`; resolves to it with status `scheduled`. */
  schedule(input: ScheduleInput): Promise<ScheduledCall>;
  /** Like `schedule` for many calls, stored in one batch where the store can. */
  scheduleMany(inputs: ScheduleInput[]): Promise<ScheduledCall[]>;
  /** @throws CallNotFoundError */
  get(id: string): Promise<ScheduledCall>;
  list(options?: ListOptions): Promise<Page<ScheduledCall>>;
  /**
   * How many calls the store holds in each live status (`scheduled`, `queued`, `initiated`,
   * `ringing`, `answered`), every one present (0 for none): the whole store, so every worker
   * sharing it answers the same. Finished calls are not counted here: they pile up (until
   * `retention` deletes them), so counting them would cost more as the store grows; count them
   * as they happen with the `completed`, `failed` and `canceled` events. One indexed query where
   * the store has `countByStatus` (all three built-in stores), else a walk through `list`.
   */
  counts(): Promise<Record<LiveStatus, number>>;
  /**
   * Cancels a call: one not yet sent to the provider ends `canceled` at once; one placed and not
   * answered yet (`initiated`, `ringing`) is canceled through the provider's `cancelCall` (which
   * never hangs up an answered call), then ends `canceled` with a call record of the attempt
   * (outbound, not answered). A canceled call is returned unchanged; canceling an occurrence
   * ends its series.
   *
   * @throws CallNotFoundError for an unknown id.
   * @throws ConflictError, nothing changed: `in_progress` for an answered call (a conversation
   *   is never cut off), also one the provider's answer shows answered meanwhile (that answer
   *   is applied and the call followed to its end), `placing` while the placement request has
   *   not been answered (no provider id yet: try again a moment later), `already_placed` for a
   *   call that has ended (also when it ended on its own before the provider got the request).
   * @throws UnsupportedOperationError (call-client's, code `cannot_hang_up`, `operation`
   *   `'cancelCall'`), nothing changed, for a call in flight when the provider has no
   *   `cancelCall`.
   * @throws HangUpError when the provider's `cancelCall` fails: nothing changed, the call is
   *   still followed.
   */
  cancel(id: string): Promise<ScheduledCall>;
  /** Moves a call not yet sent to the provider. @throws ValidationError, CallNotFoundError, ConflictError */
  reschedule(id: string, at: Date | string): Promise<ScheduledCall>;
  /** The calls where `phone` is either party, newest first. @throws ValidationError */
  history(
    phone: string,
    options?: { cursor?: string | null; limit?: number },
  ): Promise<Page<HistoryEntry>>;
  /**
   * Every call record of the store, whatever its numbers (scheduled calls, campaign calls,
   * inbound calls), newest first, page by page, filtered by direction, statuses, a time range
   * and a number: a call log, as a provider's console starts with. @throws ValidationError
   * @example scheduler.callLog({ direction: 'inbound', statuses: ['no-answer'], limit: 20 })
   */
  callLog(options?: CallLogOptions): Promise<Page<CallRecord>>;
  /**
   * Adds a call record to history (calls placed by the dialer, inbound calls), or, when a record
   * with its `id` exists, merges it into that one, atomically across the processes sharing the
   * store: statuses never move back, the earliest times and the first facts reported stay (see
   * `docs/reference/scheduler-core.md`). Resolves to the record as stored now. @throws ValidationError
   */
  recordCall(input: RecordCallInput): Promise<CallRecord>;
  /**
   * Records one webhook's news of a call to the app's number (an `InboundCallUpdate`, as
   * call-client's voice handlers give it to `onUpdate`): keyed `${provider}:${callId}`, so every
   * update of one call, repeated or out of order, merges into one record, one line of each
   * party's history. Resolves to the record as stored now. @throws ValidationError
   * @example onUpdate: (update) => scheduler.recordInbound(update)
   */
  recordInbound(update: InboundCallUpdate): Promise<CallRecord>;
  /**
   * Feeds a provider status (a webhook, or your own polling); `null` for an unknown call id.
   * `row`: the call's row as you just read it from the store (a router that looked the call up
   * by its provider id, as `createCallCenter` does), taken in place of a look-up of its own; a
   * row of another call or owner is ignored, a stale one read again.
   */
  handleStatus(
    event: CallStatusEvent,
    options?: { row?: StoredCall },
  ): Promise<ScheduledCall | null>;
  /** Starts dispatching due calls and follows calls in flight (polling providers). */
  start(): Promise<void>;
  /** Stops claiming, waits for in-flight placements to be recorded, stops watchers. */
  stop(): Promise<void>;
  on: Emitter<SchedulerEvents>['on'];
  off: Emitter<SchedulerEvents>['off'];
}

const STATUSES: readonly ScheduledCallStatus[] = SCHEDULED_CALL_STATUSES;

/**
 * Creates a scheduler: place calls on time (one timer for the earliest due call), exactly once
 * (claims with leases; an interrupted placement is never repeated), follow them, retry, recur,
 * and keep their history.
 *
 * @example
 * const scheduler = createScheduler({ store: createMemoryStore(), provider, callerId: '+14155550100' });
 * await scheduler.start();
 * await scheduler.schedule({ to: '+14155552671', at: '2026-03-08T14:00:00Z' });
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const resolved = resolveOptions(options);
  const { store, provider, clock, workerId, generateId, callerId, defaultCountry } = resolved;
  const emitter = createSafeEmitter<SchedulerEvents>((error) => ({ error, source: 'listener' }));

  const mutate = createMutate(store, clock, createWriter(store));
  const writeRecord = createRecordWriter(store, callerId);

  const dispatcher = createDispatcher({
    store,
    provider,
    clock,
    loop: resolved.loop,
    workerId,
    callerId,
    emitter,
    mutate,
    generateId,
    concurrency: resolved.concurrency,
    leaseMs: resolved.leaseMs,
    recheckIntervalMs: resolved.recheckIntervalMs,
    watchIntervalMs: resolved.watchIntervalMs,
    callTimeoutMs: resolved.callTimeoutMs,
    callsPerSecond: resolved.callsPerSecond,
    budget: resolved.budget,
    doNotCall: resolved.doNotCall,
    tracing: resolved.tracing,
  });

  const retention = resolved.retention
    ? createRetention({
        store,
        clock,
        workerId,
        emitter,
        retention: resolved.retention,
        leaseMs: resolved.leaseMs,
      })
    : null;

  const { schedule, scheduleMany } = createScheduling({
    store,
    provider,
    clock,
    defaultCountry,
    generateId,
    emitter,
    wake: dispatcher.wake,
  });
  const normalisePhone = (value: unknown, path: PropertyKey[], issues: ValidationIssue[]) =>
    normalised(value, path, issues, defaultCountry);

  return {
    workerId,
    schedule,
    scheduleMany,

    async get(id) {
      const row = await store.get(String(id));
      if (!row) throw new CallNotFoundError(String(id));
      return toScheduledCall(row);
    },

    async list(query = {}) {
      const issues: ValidationIssue[] = [];
      const limit = validateLimit(query.limit, issues);
      const statuses = query.status === undefined ? undefined : [query.status].flat();
      for (const status of statuses ?? []) {
        if (!STATUSES.includes(status))
          issues.push(customIssue(['status'], `unknown status ${JSON.stringify(status)}`));
      }
      const to = query.to === undefined ? undefined : normalisePhone(query.to, ['to'], issues);
      fail('list options', issues);
      const page = await store.list({ status: statuses, to, cursor: query.cursor ?? null, limit });
      return { items: page.items.map(toScheduledCall), nextCursor: page.nextCursor };
    },

    counts: () => countLive(store),

    cancel: (id) => dispatcher.cancel(String(id)),

    async reschedule(id, at) {
      const now = clock.now();
      const issues: ValidationIssue[] = [];
      const time = parseAt(at, now, issues);
      fail('reschedule', issues);
      const { row, before } = await mutate(String(id), (r) => rescheduled(r, time!, now));
      dispatcher.wake(row.dueAt);
      const call = toScheduledCall(row);
      emitter.emit('rescheduled', { call, previousDueAt: new Date(before.dueAt) });
      return call;
    },

    async history(phone, query = {}) {
      const issues: ValidationIssue[] = [];
      const number = normalisePhone(phone, ['phone'], issues);
      const limit = validateLimit(query.limit, issues);
      fail('history query', issues);
      const page = await store.listCallLog({ phone: number, cursor: query.cursor ?? null, limit });
      return {
        items: page.items.map((r) => toHistoryEntry(r, number)),
        nextCursor: page.nextCursor,
      };
    },

    callLog: createCallLog(store, defaultCountry),

    async recordCall(input) {
      const record = validateRecordCall(input, { defaultCountry, callerId, generateId });
      return toCallRecord(await writeRecord(record));
    },

    async recordInbound(update) {
      const input = inboundRecordOf(update);
      const record = validateRecordCall(input, { defaultCountry, callerId, generateId });
      return toCallRecord(await writeRecord(record));
    },

    async handleStatus(event, options) {
      const row = await dispatcher.handleStatus(event, options?.row);
      return row ? toScheduledCall(row) : null;
    },

    async start() {
      await dispatcher.start();
      retention?.start();
    },
    async stop() {
      await retention?.stop();
      await dispatcher.stop();
    },
    on: emitter.on,
    off: emitter.off,
  };
}

/** Throws a ValidationError of `what` when there are issues. */
function fail(what: string, issues: ValidationIssue[]) {
  if (issues.length > 0) throw new ValidationError(what, issues);
}

/** A phone number in E.164, or `''` with an issue at `path` when it is not one. */
function normalised(
  value: unknown,
  path: PropertyKey[],
  issues: ValidationIssue[],
  defaultCountry: CountryCode,
): string {
  try {
    return toE164(value as string, { defaultCountry });
  } catch (error) {
    issues.push(customIssue(path, error instanceof Error ? error.message : 'not a phone number'));
    return '';
  }
}

/**
 * `counts()`: the store's calls in each live status, every one present (0 for none). One indexed
 * query where the store has `countByStatus`, else a walk through `list`.
 */
async function countLive(store: Store): Promise<Record<LiveStatus, number>> {
  const counts = Object.fromEntries(LIVE_STATUSES.map((status) => [status, 0])) as Record<
    LiveStatus,
    number
  >;
  const add = (status: string, n: number) => {
    if (Object.hasOwn(counts, status)) counts[status as LiveStatus] += n;
  };
  if (store.countByStatus) {
    for (const [status, n] of Object.entries(await store.countByStatus(LIVE_STATUSES))) {
      add(status, n);
    }
    return counts;
  }
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<Store['list']>> = await store.list({
      status: [...LIVE_STATUSES],
      cursor,
      limit: 1000,
    });
    for (const row of page.items) add(row.status, 1);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return counts;
}
