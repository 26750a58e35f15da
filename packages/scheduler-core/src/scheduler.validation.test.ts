import { InvalidOptionsError, isInvalidOptionsError } from '@ringkit/call-client';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import type { ValidationError } from './errors.js';
import { isSchedulerError, isValidationError } from './errors.js';
import { createFakeProvider } from '@ringkit/simulator';
import { createScheduler } from './scheduler.js';
import { createFakeClock } from '@ringkit/call-client/testing';
import type { SchedulerOptions } from './options.js';
import type { ScheduleInput } from './types.js';
import type { Store } from './store.js';
import { MAX_AHEAD_MS, PAST_TOLERANCE_MS } from './index.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ok: ScheduleInput = { to: '+14155552671', at: new Date(T0 + 60_000) };

/** `[[…[]…]]`, `levels` deep. */
function nest(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i += 1) value = [value];
  return value;
}

/**
 * A scheduler on a fake clock at T0 and `store` (a fresh memory store by default), with `extra`
 * options, valid or not.
 */
function newScheduler(extra: Record<string, unknown> = {}, store: Store = createMemoryStore()) {
  const clock = createFakeClock(T0);
  return createScheduler({
    store,
    clock,
    provider: createFakeProvider({ clock }),
    callerId: '+14155550100',
    ...extra,
  } as SchedulerOptions);
}

const cases: [string, Record<string, unknown>, string][] = [
  ['an invalid phone number', { to: '12' }, 'to'],
  ['a missing phone number', { to: undefined }, 'to'],
  ['an unparseable date', { at: 'next tuesday' }, 'at'],
  ['a date without a zone', { at: '2026-06-01T13:00:00' }, 'at'],
  ['an invalid Date', { at: new Date(Number.NaN) }, 'at'],
  ['a time more than 60 s in the past', { at: new Date(T0 - 61_000) }, 'at'],
  ['a time more than a year ahead', { at: '9999-01-01T00:00:00Z' }, 'at'],
  [
    'a recurrence more often than once a minute',
    { recurrence: { cron: '*/10 * * * * *', timezone: 'UTC' } },
    'recurrence',
  ],
  [
    'a window whose start equals its end',
    { window: { start: '09:00', end: '09:00', timezone: 'UTC' } },
    'window',
  ],
  ['a bad cron pattern', { recurrence: { cron: 'every day', timezone: 'UTC' } }, 'recurrence'],
  [
    'an unknown recurrence time zone',
    { recurrence: { cron: '0 9 * * *', timezone: 'Mars/Base' } },
    'recurrence',
  ],
  [
    'a window start that is not HH:MM',
    { window: { start: '8am', end: '21:00', timezone: 'UTC' } },
    'window',
  ],
  [
    'an unknown window time zone',
    { window: { start: '08:00', end: '21:00', timezone: 'Nowhere' } },
    'window',
  ],
  ['zero attempts', { maxAttempts: 0 }, 'maxAttempts'],
  ['a fractional attempt count', { maxAttempts: 1.5 }, 'maxAttempts'],
  ['a negative backoff', { retryBackoff: { delayMs: -1 } }, 'retryBackoff'],
  ['metadata that is not JSON', { metadata: { fn: () => 1 } }, 'metadata'],
  ['metadata nested 3,000 deep', { metadata: { a: nest(3_000) } }, 'metadata'],
  ['metadata nested 9 levels', { metadata: { a: nest(8) } }, 'metadata'],
  ['metadata over 4 kB as JSON', { metadata: { blob: 'x'.repeat(4_100) } }, 'metadata'],
  ['an empty idempotency key', { idempotencyKey: '' }, 'idempotencyKey'],
  ['an idempotency key with a NUL character', { idempotencyKey: 'k\u0000' }, 'idempotencyKey'],
  ['an idempotency key with a lone surrogate', { idempotencyKey: 'k\uD800' }, 'idempotencyKey'],
  ['metadata with a NUL character', { metadata: { a: [{ b: 'x\u0000' }] } }, 'metadata'],
  ['metadata with a lone surrogate in a key', { metadata: { a: { 'k\uDC00': 1 } } }, 'metadata'],
  ['an unknown field', { priority: 'high' }, ''],
];

describe('schedule() input validation', () => {
  it.each(cases)(
    'refuses %s with a ValidationError and stores nothing',
    async (_, patch, field) => {
      const store = createMemoryStore();
      const scheduler = newScheduler({}, store);
      const error = await scheduler
        .schedule({ ...ok, ...patch } as ScheduleInput)
        .catch((e: unknown) => e);
      expect(isValidationError(error)).toBe(true);
      expect(isSchedulerError(error)).toBe(true);
      const issues = (error as ValidationError).issues;
      expect(issues.length).toBeGreaterThan(0);
      if (field) expect(issues.map((i) => i.path[0])).toContain(field);
      expect((await store.list({ limit: 10 })).items).toEqual([]);
    },
  );

  it('says where metadata holds text no store can keep as given', async () => {
    const scheduler = newScheduler();
    const error = await scheduler
      .schedule({ ...ok, metadata: { a: [1, { b: 'ok', c: 'x\u0000y' }] } })
      .catch((e: unknown) => e);
    expect((error as ValidationError).issues).toEqual([
      expect.objectContaining({
        path: ['metadata', 'a', 1, 'c'],
        message: 'must not contain the NUL character (U+0000, at index 1)',
      }),
    ]);
    // Pairs of surrogates are text: an emoji is kept.
    const kept = await scheduler.schedule({ ...ok, idempotencyKey: 'k😀', metadata: { e: '😀' } });
    expect(kept).toMatchObject({ idempotencyKey: 'k😀', metadata: { e: '😀' } });
  });

  it('accepts a time up to 60 s in the past and an ISO string with an offset', async () => {
    const scheduler = newScheduler();
    expect((await scheduler.schedule({ ...ok, at: new Date(T0 - 60_000) })).status).toBe(
      'scheduled',
    );
    const call = await scheduler.schedule({ ...ok, at: '2026-06-01T09:00:00-04:00' });
    expect(call.dueAt.toISOString()).toBe('2026-06-01T13:00:00.000Z');
  });

  it('takes a time up to MAX_AHEAD_MS ahead and PAST_TOLERANCE_MS behind, and no further', async () => {
    const scheduler = newScheduler();
    const at = (ms: number) => scheduler.schedule({ ...ok, at: new Date(T0 + ms) });
    expect(MAX_AHEAD_MS).toBe(366 * 86_400_000);
    expect((await at(MAX_AHEAD_MS)).status).toBe('scheduled');
    expect((await at(-PAST_TOLERANCE_MS)).status).toBe('scheduled');
    const ahead = await at(MAX_AHEAD_MS + 1).catch((e: unknown) => e);
    expect((ahead as ValidationError).issues[0]?.message).toMatch(/more than a year ahead$/);
    const behind = await at(-PAST_TOLERANCE_MS - 1).catch((e: unknown) => e);
    expect(isValidationError(behind)).toBe(true);
  });

  it('carries zod issues for bad scheduler options', () => {
    const create = () => newScheduler({ concurrency: 0 });
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(/Invalid scheduler options: concurrency/);
    // A worker id is stored with each lease: text every store keeps as given.
    expect(() => newScheduler({ workerId: 'worker\u0000' })).toThrow(
      /Invalid scheduler options: workerId: must not contain the NUL character/,
    );
  });

  it('refuses an unknown option, as every ringkit factory does, naming it', () => {
    let error: unknown;
    try {
      newScheduler({ concurency: 3 });
    } catch (e) {
      error = e;
    }
    expect(isInvalidOptionsError(error)).toBe(true);
    // call-client's InvalidOptionsError: no SchedulerError, and the guard agrees.
    expect(isSchedulerError(error)).toBe(false);
    expect((error as InvalidOptionsError).message).toContain(
      'unknown option "concurency": did you mean "concurrency"?',
    );
  });

  it.each([
    ['from', 'callerId'],
    ['cps', 'callsPerSecond'],
    ['pollIntervalMs', 'watchIntervalMs'],
    ['worker_id', 'workerId'],
  ])('refuses the option %s, saying %s was meant', (given, meant) => {
    expect(() => newScheduler({ [given]: 1 })).toThrow(
      `unknown option "${given}": did you mean "${meant}"?`,
    );
  });

  it.each([
    ['scheduledAt', 'at'],
    ['scheduled_time', 'at'],
    ['dueAt', 'at'],
    ['phone_number', 'to'],
    ['max_attempts', 'maxAttempts'],
    ['idempotency_key', 'idempotencyKey'],
  ])(
    'refuses a schedule given %s, saying %s was meant, and stores nothing',
    async (given, meant) => {
      const store = createMemoryStore();
      const scheduler = newScheduler({}, store);
      const input = { to: '+14155552671', [given]: new Date(T0 + 60_000) } as never;
      await expect(scheduler.schedule(input)).rejects.toThrow(
        `unknown field "${given}": did you mean "${meant}"?`,
      );
      expect((await scheduler.list({ limit: 10 })).items).toEqual([]);
    },
  );

  it('refuses a callerId that is not a phone number with the options error', () => {
    expect(() => newScheduler({ callerId: 'reception' })).toThrow(InvalidOptionsError);
  });
});

describe('error guards', () => {
  it('recognise errors from another realm by name and brand', () => {
    const foreign = Object.assign(new Error('x'), { name: 'ValidationError' });
    Object.defineProperty(foreign, Symbol.for('ringkit.SchedulerError'), { value: true });
    expect(isValidationError(foreign)).toBe(true);
    expect(isValidationError(new Error('x'))).toBe(false);
  });
});
