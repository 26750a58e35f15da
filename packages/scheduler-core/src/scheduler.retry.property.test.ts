/**
 * Retries by outcome under random outcome sequences and rules, on the fake clock: the attempts
 * placed, and when, are exactly those the rule gives, and the timeline counts them by outcome.
 */
import type { AnsweredBy, CallStatus } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';
import type { AttemptCounts, AttemptOutcome, RetryByOutcome, RetryOutcome } from './types.js';
import { countAttempts, mostAttempts } from './_retry.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';
/** The provider is polled once a second: an attempt ends one second after it is placed. */
const ENDS_AFTER_MS = 1000;

const OUTCOMES: AttemptOutcome[] = ['completed', 'machine', 'busy', 'no-answer', 'failed'];
const RETRIED: RetryOutcome[] = ['busy', 'no-answer', 'failed', 'machine'];

const rule = fc.record({
  afterMs: fc.constantFrom(0, 1000, 30_000, 3_600_000),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
});

const scenario = fc.record({
  outcomes: fc.array(fc.constantFrom(...OUTCOMES), { minLength: 1, maxLength: 12 }),
  retry: fc.record(
    { busy: rule, 'no-answer': rule, failed: rule, machine: rule },
    { requiredKeys: [] },
  ) as fc.Arbitrary<RetryByOutcome>,
  maxAttempts: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
});

/** What the rule says: the placement times (relative to T0) and the outcomes by count. */
function expected(
  outcomes: AttemptOutcome[],
  retry: RetryByOutcome,
  maxAttempts: number | undefined,
) {
  const total = maxAttempts ?? mostAttempts(retry);
  const times = [1000];
  const counts: AttemptCounts = {};
  for (let k = 1; ; k += 1) {
    const outcome = outcomes[Math.min(k - 1, outcomes.length - 1)]!;
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    const own = outcome === 'completed' ? undefined : retry[outcome as RetryOutcome];
    if (!own || counts[outcome] >= own.maxAttempts || k >= total) break;
    times.push(times[k - 1]! + ENDS_AFTER_MS + own.afterMs);
  }
  return { times, counts };
}

async function run(outcomes: AttemptOutcome[], retry: RetryByOutcome, maxAttempts?: number) {
  const clock = createFakeClock(T0);
  const at = (n: number) => outcomes[Math.min(n, outcomes.length - 1)]!;
  const provider = createFakeProvider({
    clock,
    callOptions: ['machineDetection'],
    script: (_to, n) => [at(n) === 'machine' ? 'completed' : (at(n) as CallStatus)],
    answeredBy: (_to, n): AnsweredBy | undefined =>
      at(n) === 'machine' ? 'machine' : at(n) === 'completed' ? 'human' : undefined,
  });
  const scheduler = createScheduler({
    callerId: ME,
    recheckIntervalMs: 0,
    store: createMemoryStore(),
    clock,
    provider,
  });
  await scheduler.start();
  const { id } = await scheduler.schedule({
    to: BOB,
    at: new Date(T0 + 1000),
    call: { machineDetection: 'detect' },
    retry,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
  await clock.advance(48 * 3_600_000);
  const call = await scheduler.get(id);
  await scheduler.stop();
  const events = call.events.map((e) => ({ ...e, at: e.at.getTime() }));
  return {
    times: provider.placed.map((p) => p.at.getTime() - T0),
    counts: countAttempts(events),
    call,
  };
}

describe('retry by outcome (property)', () => {
  it('places exactly the attempts the rule allows, each at its due time', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ outcomes, retry, maxAttempts }) => {
        const want = expected(outcomes, retry, maxAttempts);
        const got = await run(outcomes, retry, maxAttempts);
        expect(got.times).toEqual(want.times);
        expect(got.counts).toEqual(want.counts);
        expect(got.call.attempt).toBe(want.times.length);
        expect(got.call.status).not.toBe('scheduled');
        // An outcome not retried never gets a second attempt of its own.
        for (const outcome of RETRIED) {
          if (!retry[outcome]) expect(got.counts[outcome] ?? 0).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 60 },
    );
  });
});
