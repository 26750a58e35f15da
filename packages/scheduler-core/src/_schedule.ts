import type { CallProvider, Clock, CountryCode } from '@ringkit/call-client';
import { isConflictError, ValidationError } from './errors.js';
import type { SchedulerEmitter } from './events.js';
import type { Store, StoredCall } from './store.js';
import type { ScheduledCall, ScheduleInput } from './types.js';
import { newStoredCall, toScheduledCall } from './_rows.js';
import { validateSchedule, type ValidSchedule } from './_validate.js';

/** What scheduling calls needs of the scheduler. */
export interface ScheduleContext {
  store: Store;
  provider: CallProvider;
  clock: Clock;
  defaultCountry: CountryCode;
  generateId: () => string;
  emitter: SchedulerEmitter;
  /** Makes sure the dispatch timer fires by `at`. */
  wake: (at: number) => void;
}

/**
 * `schedule()` and `scheduleMany()`: each input checked, then stored as a `scheduled` row (the
 * first of a recurring series is its series' id), once per idempotency key, and the dispatch
 * timer woken for it.
 */
export function createScheduling(ctx: ScheduleContext) {
  const { store, clock, provider, defaultCountry, emitter } = ctx;

  const newRow = (valid: ValidSchedule, now: number): StoredCall => {
    const id = ctx.generateId();
    const options = valid.options?.recurrence ? { ...valid.options, seriesId: id } : valid.options;
    return newStoredCall({
      id,
      to: valid.to,
      dueAt: valid.at,
      now,
      idempotencyKey: valid.idempotencyKey,
      options,
      call: valid.call,
      provider: provider.name,
    });
  };

  /** Stores a call to place at `input.at`; resolves to it with status `scheduled`. */
  async function schedule(input: ScheduleInput): Promise<ScheduledCall> {
    const now = clock.now();
    const valid = validateSchedule(input, now, defaultCountry, provider);
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
    ctx.wake(row.dueAt);
    return call;
  }

  /** Like `schedule` for many calls, stored in one batch where the store can. */
  async function scheduleMany(inputs: ScheduleInput[]): Promise<ScheduledCall[]> {
    const now = clock.now();
    const valid = inputs.map((input, index) => {
      try {
        return validateSchedule(input, now, defaultCountry, provider);
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new ValidationError(
            `schedule input #${index}`,
            error.issues.map((i) => ({ ...i, path: [index, ...i.path] })),
            error.cause === undefined ? {} : { cause: error.cause },
          );
        }
        throw error;
      }
    });
    const results: (StoredCall | null)[] = [];
    const fresh: StoredCall[] = [];
    for (const item of valid) {
      const existing =
        item.idempotencyKey === null ? null : await store.findByIdempotencyKey(item.idempotencyKey);
      const row = existing ?? newRow(item, now);
      if (!existing) fresh.push(row);
      results.push(row);
    }
    if (store.insertMany) await store.insertMany(fresh);
    else for (const row of fresh) await store.insert(row);
    let earliest = Infinity;
    for (const row of fresh) earliest = Math.min(earliest, row.dueAt);
    if (earliest !== Infinity) ctx.wake(earliest);
    return results.map((row) => toScheduledCall(row!));
  }

  return { schedule, scheduleMany };
}
