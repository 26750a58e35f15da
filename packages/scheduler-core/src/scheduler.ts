import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  callDurationSeconds,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_WATCH_INTERVAL_MS,
  isCallStatus,
  MAX_TIMER_MS,
  systemClock,
  toE164,
  type CallProvider,
  type CallStatus,
  type CallStatusEvent,
  type Clock,
  type CountryCode,
} from '@ringkit/call-client';
import type { Emitter } from 'mitt';
import { z } from 'zod';
import { invalidOptions, isConflictError, NotFoundError, ValidationError } from './errors.js';
import type { SchedulerEvents } from './events.js';
import { createDispatcher } from './dispatch/_dispatch.js';
import { canceled, rescheduled } from './dispatch/_transitions.js';
import { createSafeEmitter } from '@ringkit/internal';
import { newStoredCall, toCallRecord, toHistoryEntry, toScheduledCall } from './_rows.js';
import {
  customIssue,
  parseAt,
  validateLimit,
  validateSchedule,
  type ValidSchedule,
} from './_validate.js';
import { createMutate, createWriter } from './dispatch/_writes.js';
import type { Store, StoredCall } from './store.js';
import {
  SCHEDULED_CALL_STATUSES,
  type CallRecord,
  type HistoryEntry,
  type Page,
  type ScheduledCall,
  type ScheduledCallStatus,
  type ScheduleInput,
} from './types.js';
import type { ValidationIssue } from './errors.js';

export interface SchedulerOptions {
  /** Where calls, leases and history live: `memoryStore()`, `sqliteStore({ path })`, or yours. */
  store: Store;
  /** Places the calls, e.g. `createMockCallApiClient()`. */
  provider: CallProvider;
  /** The app's own number: `from` of every call record. Normalised to E.164. */
  callerId: string;
  /**
   * The source of time; tests pass a fake one.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Placements (requests to the provider) in flight at once, per scheduler.
   * @default 10
   */
  concurrency?: number;
  /**
   * How long a claim holds a call, in ms; renewed while the request is in flight. A crashed
   * worker's calls are reclaimed when it runs out.
   * @default 30000
   */
  leaseMs?: number;
  /**
   * This worker's name in leases.
   * @default `${hostname}:${pid}:${random}`
   */
  workerId?: string;
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
  /**
   * A slow safety re-check of the store, in ms, for calls added by other processes sharing it
   * (stores without `subscribe`). `0` turns it off (the timer is still re-armed by every change
   * made through this scheduler).
   * @default 30000
   */
  recheckIntervalMs?: number;
  /** @deprecated Renamed `recheckIntervalMs`; this alias goes in the next minor version. */
  pollIntervalMs?: number;
  /**
   * Milliseconds between two status polls of a placed call, for providers followed by polling:
   * the interval of `watchCall`. The same option as the dialer's.
   * @default 1000
   */
  watchIntervalMs?: number;
  /**
   * A placed call that has not ended this long after it was placed (its webhooks were lost, or
   * its provider went quiet) is checked once with `getCall` where the provider has it, and
   * otherwise ends `failed` with reason `timeout`. It is never retried: it may have rung.
   * The default is the longest call most providers allow.
   * @default 14400000 (4 hours)
   */
  callTimeoutMs?: number;
  /**
   * Makes ids for new calls.
   * @default crypto.randomUUID
   */
  generateId?: () => string;
}

/** What `list()` takes. */
export interface ListOptions {
  status?: ScheduledCallStatus | ScheduledCallStatus[];
  /** Only calls to this number (any form `toE164` accepts). */
  to?: string;
  cursor?: string | null;
  /** @default 50 */
  limit?: number;
}

/** What `recordCall()` takes: a call placed elsewhere (e.g. by the dialer) or received. */
export interface RecordCallInput {
  /** @default a random UUID */
  id?: string;
  from: string;
  to: string;
  /** @default `'outbound'` when `from` is the scheduler's `callerId`, else `'inbound'` */
  direction?: 'outbound' | 'inbound';
  status: CallStatus;
  startedAt: Date | string;
  answeredAt?: Date | string | null;
  endedAt?: Date | string | null;
  /** @default derived from `answeredAt` and `endedAt` for completed calls */
  durationSeconds?: number | null;
  /**
   * The placement's outcome is unknown (the request left, no clear answer came back): history
   * shows it as `Unknown`. Only with status `failed`.
   * @default false
   */
  outcomeUnknown?: boolean;
}

export interface Scheduler {
  readonly workerId: string;
  /** Stores a call to place at `input.at`; resolves to it with status `scheduled`. */
  schedule(input: ScheduleInput): Promise<ScheduledCall>;
  /** Like `schedule` for many calls, stored in one batch where the store can. */
  scheduleMany(inputs: ScheduleInput[]): Promise<ScheduledCall[]>;
  /** @throws NotFoundError */
  get(id: string): Promise<ScheduledCall>;
  list(options?: ListOptions): Promise<Page<ScheduledCall>>;
  /** Cancels a call not yet sent to the provider. @throws NotFoundError, ConflictError */
  cancel(id: string): Promise<ScheduledCall>;
  /** Moves a call not yet sent to the provider. @throws ValidationError, NotFoundError, ConflictError */
  reschedule(id: string, at: Date | string): Promise<ScheduledCall>;
  /** The calls where `phone` is either party, newest first. @throws ValidationError */
  history(
    phone: string,
    options?: { cursor?: string | null; limit?: number },
  ): Promise<Page<HistoryEntry>>;
  /** Adds a call record to history (calls placed by the dialer, inbound calls). */
  recordCall(input: RecordCallInput): Promise<CallRecord>;
  /** Feeds a provider status (a webhook, or your own polling); `null` for an unknown call id. */
  handleStatus(event: CallStatusEvent): Promise<ScheduledCall | null>;
  /** Starts dispatching due calls and follows calls in flight (polling providers). */
  start(): Promise<void>;
  /** Stops claiming, waits for in-flight placements to be recorded, stops watchers. */
  stop(): Promise<void>;
  on: Emitter<SchedulerEvents>['on'];
  off: Emitter<SchedulerEvents>['off'];
}

const isFunction = (v: unknown) => typeof v === 'function';

const optionsSchema = z.strictObject({
  store: z.custom<Store>((v) => typeof v === 'object' && v !== null, 'a Store is required'),
  provider: z.custom<CallProvider>(
    (v) => typeof v === 'object' && v !== null && isFunction((v as CallProvider).placeCall),
    'a CallProvider is required',
  ),
  callerId: z.string().min(1),
  clock: z
    .custom<Clock>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['now', 'setTimeout', 'clearTimeout'].every((key) => isFunction((v as never)[key])),
      'expected a Clock (now, setTimeout, clearTimeout)',
    )
    .optional(),
  concurrency: z.number().int().min(1).max(10_000).optional(),
  leaseMs: z.number().int().min(100).max(86_400_000).optional(),
  workerId: z.string().min(1).max(200).optional(),
  defaultCountry: z.string().length(2).optional(),
  recheckIntervalMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
  pollIntervalMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
  watchIntervalMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
  callTimeoutMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
  generateId: z.custom<() => string>(isFunction, 'expected a function').optional(),
});

const STATUSES: readonly ScheduledCallStatus[] = SCHEDULED_CALL_STATUSES;

/**
 * Creates a scheduler: place calls on time (one timer for the earliest due call), exactly once
 * (claims with leases; an interrupted placement is never repeated), follow them, retry, recur,
 * and keep their history.
 *
 * @example
 * const scheduler = createScheduler({ store: memoryStore(), provider, callerId: '+14155550100' });
 * await scheduler.start();
 * await scheduler.schedule({ to: '+14155552671', at: '2026-03-08T14:00:00Z' });
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('scheduler', parsed.error.issues);
  const defaultCountry = options.defaultCountry ?? 'US';
  let callerId: string;
  try {
    callerId = toE164(options.callerId, { defaultCountry });
  } catch (error) {
    throw invalidOptions('scheduler', [
      customIssue(['callerId'], error instanceof Error ? error.message : 'not a phone number'),
    ]);
  }
  const { store, provider } = options;
  const clock = options.clock ?? systemClock;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const generateId = options.generateId ?? randomUUID;
  const emitter = createSafeEmitter<SchedulerEvents>((error) => ({ error, source: 'listener' }));

  const mutate = createMutate(store, clock, createWriter(store));

  const dispatcher = createDispatcher({
    store,
    provider,
    clock,
    workerId,
    callerId,
    emitter,
    mutate,
    generateId,
    concurrency: options.concurrency ?? 10,
    leaseMs: options.leaseMs ?? 30_000,
    recheckIntervalMs: options.recheckIntervalMs ?? options.pollIntervalMs ?? 30_000,
    watchIntervalMs: options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
  });

  const newRow = (valid: ValidSchedule, now: number): StoredCall => {
    const id = generateId();
    const options = valid.options?.recurrence ? { ...valid.options, seriesId: id } : valid.options;
    return newStoredCall({
      id,
      to: valid.to,
      dueAt: valid.at,
      now,
      idempotencyKey: valid.idempotencyKey,
      options,
    });
  };

  const fail = (what: string, issues: ValidationIssue[]) => {
    if (issues.length > 0) throw new ValidationError(what, issues);
  };

  const normalisePhone = (value: unknown, path: PropertyKey[], issues: ValidationIssue[]) => {
    try {
      return toE164(value as string, { defaultCountry });
    } catch (error) {
      issues.push(customIssue(path, error instanceof Error ? error.message : 'not a phone number'));
      return '';
    }
  };

  return {
    workerId,

    async schedule(input) {
      const now = clock.now();
      const valid = validateSchedule(input, now, defaultCountry);
      if (valid.idempotencyKey !== null) {
        const existing = await store.findByIdempotencyKey(valid.idempotencyKey);
        if (existing) return toScheduledCall(existing);
      }
      let row: StoredCall;
      try {
        row = await store.insert(newRow(valid, now));
      } catch (error) {
        if (isConflictError(error) && error.reason === 'duplicate' && valid.idempotencyKey) {
          const existing = await store.findByIdempotencyKey(valid.idempotencyKey);
          if (existing) return toScheduledCall(existing);
        }
        throw error;
      }
      const call = toScheduledCall(row);
      emitter.emit('scheduled', { call });
      dispatcher.wake(row.dueAt);
      return call;
    },

    async scheduleMany(inputs) {
      const now = clock.now();
      const valid = inputs.map((input, index) => {
        try {
          return validateSchedule(input, now, defaultCountry);
        } catch (error) {
          if (error instanceof ValidationError) {
            throw new ValidationError(
              `schedule input #${index}`,
              error.issues.map((i) => ({ ...i, path: [index, ...i.path] })),
            );
          }
          throw error;
        }
      });
      const results: (StoredCall | null)[] = [];
      const fresh: StoredCall[] = [];
      for (const item of valid) {
        const existing =
          item.idempotencyKey === null
            ? null
            : await store.findByIdempotencyKey(item.idempotencyKey);
        const row = existing ?? newRow(item, now);
        if (!existing) fresh.push(row);
        results.push(row);
      }
      if (store.insertMany) await store.insertMany(fresh);
      else for (const row of fresh) await store.insert(row);
      let earliest = Infinity;
      for (const row of fresh) earliest = Math.min(earliest, row.dueAt);
      if (earliest !== Infinity) dispatcher.wake(earliest);
      return results.map((row) => toScheduledCall(row!));
    },

    async get(id) {
      const row = await store.get(String(id));
      if (!row) throw new NotFoundError(String(id));
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

    async cancel(id) {
      const now = clock.now();
      const { row, changed } = await mutate(String(id), (r) => canceled(r, now));
      const call = toScheduledCall(row);
      if (changed) emitter.emit('canceled', { call });
      return call;
    },

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
      const page = await store.listHistory(number, { cursor: query.cursor ?? null, limit });
      return {
        items: page.items.map((r) => toHistoryEntry(r, number)),
        nextCursor: page.nextCursor,
      };
    },

    async recordCall(input) {
      const issues: ValidationIssue[] = [];
      const from = normalisePhone(input?.from, ['from'], issues);
      const to = normalisePhone(input?.to, ['to'], issues);
      if (!isCallStatus(input?.status)) issues.push(customIssue(['status'], 'not a call status'));
      const time = (value: Date | string | null | undefined, path: string) => {
        if (value === undefined || value === null) return null;
        const ms = value instanceof Date ? value.getTime() : Date.parse(value);
        if (!Number.isFinite(ms)) issues.push(customIssue([path], 'not a valid date'));
        return ms;
      };
      const startedAt = time(input?.startedAt, 'startedAt');
      if (startedAt === null) issues.push(customIssue(['startedAt'], 'required'));
      const answeredAt = time(input?.answeredAt, 'answeredAt');
      const endedAt = time(input?.endedAt, 'endedAt');
      const outcomeUnknown = input?.outcomeUnknown ?? false;
      if (typeof outcomeUnknown !== 'boolean') {
        issues.push(customIssue(['outcomeUnknown'], 'not a boolean'));
      } else if (outcomeUnknown && input?.status !== 'failed') {
        issues.push(customIssue(['outcomeUnknown'], 'only a failed call has an unknown outcome'));
      }
      fail('call record', issues);
      const status = input.status;
      const record = {
        id: input.id ?? generateId(),
        from,
        to,
        direction: input.direction ?? (from === callerId ? 'outbound' : 'inbound'),
        status,
        startedAt: startedAt!,
        answeredAt,
        endedAt,
        durationSeconds:
          input.durationSeconds ??
          callDurationSeconds({ status, startedAt: startedAt!, answeredAt, endedAt }),
        outcomeUnknown,
      } as const;
      await store.saveCallRecord(record);
      return toCallRecord(record);
    },

    async handleStatus(event) {
      const row = await dispatcher.handleStatus(event);
      return row ? toScheduledCall(row) : null;
    },

    start: () => dispatcher.start(),
    stop: () => dispatcher.stop(),
    on: emitter.on,
    off: emitter.off,
  };
}
