/**
 * Retries by outcome (`retry: { busy, 'no-answer', failed, machine }`), on the fake clock: each
 * outcome's delay and cap, the others unaffected, the total `maxAttempts`, machines, the calling
 * window, a restart, and what is refused.
 */
import type { AnsweredBy, CallStatus } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider, type FakeProviderOptions } from '@ringkit/simulator';
import { describe, expect, it } from 'vitest';
import { isValidationError } from './errors.js';
import { createScheduler } from './scheduler.js';
import type { SchedulerOptions } from './options.js';
import type { Store } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import type { ScheduleInput } from './types.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';

/**
 * A scheduler whose provider is polled once a second: call `n` ends with `outcomes[n]` (after
 * `ringing` when `ring`), one second after it is placed; `machine` is a `completed` call
 * answered by a machine.
 */
function setup(
  outcomes: readonly (CallStatus | 'machine')[],
  options: {
    store?: Store;
    clock?: ReturnType<typeof createFakeClock>;
    provider?: Partial<FakeProviderOptions>;
  } & Partial<Pick<SchedulerOptions, 'recheckIntervalMs'>> = {},
) {
  const clock = options.clock ?? createFakeClock(T0);
  const store = options.store ?? createMemoryStore();
  const status = (n: number): CallStatus => {
    const outcome = outcomes[Math.min(n, outcomes.length - 1)]!;
    return outcome === 'machine' ? 'completed' : outcome;
  };
  const provider = createFakeProvider({
    clock,
    callOptions: ['machineDetection', 'say', 'ringTimeoutS'],
    script: (_to, n) => [status(n)],
    answeredBy: (_to, n): AnsweredBy | undefined =>
      outcomes[Math.min(n, outcomes.length - 1)] === 'machine'
        ? 'machine'
        : status(n) === 'completed'
          ? 'human'
          : undefined,
    ...options.provider,
  });
  const scheduler = createScheduler({ callerId: ME, recheckIntervalMs: 0, store, clock, provider });
  const retrying: string[] = [];
  scheduler.on('retrying', (e) => retrying.push(e.reason));
  return { clock, store, provider, scheduler, retrying };
}

/** Placement times, relative to T0. */
const times = (provider: { placed: readonly { at: Date }[] }) =>
  provider.placed.map((p) => p.at.getTime() - T0);

const detect = { machineDetection: 'detect' } as const;

describe('retry by outcome', () => {
  it('retries busy after its own delay, up to its cap, and then ends busy', async () => {
    const { clock, provider, scheduler, retrying } = setup(['busy']);
    await scheduler.start();
    const call = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      retry: { busy: { afterMs: 60_000, maxAttempts: 3 } },
    });
    expect(call).toMatchObject({
      maxAttempts: 3,
      retry: { busy: { afterMs: 60_000, maxAttempts: 3 } },
    });
    await clock.advance(3_600_000);
    // Busy one second after each placement, then 60 s to the next.
    expect(times(provider)).toEqual([1000, 62_000, 123_000]);
    expect(retrying).toEqual(['busy', 'busy']);
    expect(await scheduler.get(call.id)).toMatchObject({
      status: 'busy',
      reason: 'busy',
      attempt: 3,
    });
    await scheduler.stop();
  });

  it('gives each outcome its own delay and cap: busy soon, no answer later', async () => {
    const { clock, provider, scheduler } = setup(['busy', 'no-answer', 'busy', 'no-answer']);
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      maxAttempts: 10, // the caps stop it first
      retry: {
        busy: { afterMs: 120_000, maxAttempts: 3 },
        'no-answer': { afterMs: 3_600_000, maxAttempts: 2 },
      },
    });
    await clock.advance(24 * 3_600_000);
    // busy (+2 min), no-answer (+1 h), busy (+2 min), no-answer: the second no answer is its cap.
    expect(times(provider)).toEqual([1000, 122_000, 3_723_000, 3_844_000]);
    const call = await scheduler.get(id);
    expect(call).toMatchObject({ status: 'no-answer', attempt: 4, maxAttempts: 10 });
    await scheduler.stop();
  });

  it('leaves outcomes it does not list alone, whatever maxAttempts says', async () => {
    const { clock, provider, scheduler } = setup(['no-answer']);
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      maxAttempts: 5,
      retry: { busy: { afterMs: 1000, maxAttempts: 5 } },
    });
    await clock.advance(600_000);
    expect(times(provider)).toEqual([1000]);
    expect(await scheduler.get(id)).toMatchObject({ status: 'no-answer', attempt: 1 });
    await scheduler.stop();
  });

  it('bounds every attempt together with maxAttempts, when given', async () => {
    const { clock, provider, scheduler } = setup(['busy', 'no-answer']);
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      maxAttempts: 3,
      retry: {
        busy: { afterMs: 1000, maxAttempts: 5 },
        'no-answer': { afterMs: 1000, maxAttempts: 5 },
      },
    });
    await clock.advance(600_000);
    expect(times(provider)).toHaveLength(3);
    expect(await scheduler.get(id)).toMatchObject({ status: 'no-answer', attempt: 3 });
    await scheduler.stop();
  });

  it('retries a failed call after its delay: one the provider reported, one it surely refused', async () => {
    const { HttpError } = await import('@ringkit/call-client');
    const refused = () =>
      new HttpError({
        status: 503,
        request: { method: 'POST', url: 'http://x/api/call' },
        body: '',
        headers: new Headers(),
        attempts: 1,
      });
    const { clock, provider, scheduler } = setup(['failed', 'completed'], {
      provider: {
        onPlace: (_to, n) => {
          if (n === 1) throw refused();
        },
      },
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      retry: { failed: { afterMs: 30_000, maxAttempts: 3 } },
    });
    await clock.advance(600_000);
    // Failed at 2000, refused at 32000 (not placed), placed and completed at 62000.
    expect(times(provider)).toEqual([1000, 32_000, 62_000]);
    expect(await scheduler.get(id)).toMatchObject({ status: 'completed', attempt: 3 });
    await scheduler.stop();
  });

  it('calls a machine again later, then leaves the last allowed attempt to it', async () => {
    const { clock, provider, scheduler, retrying } = setup(['machine']);
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      call: { say: 'Your appointment is tomorrow.', ...detect },
      retry: { machine: { afterMs: 7_200_000, maxAttempts: 2 } },
    });
    await clock.advance(24 * 3_600_000);
    expect(times(provider)).toEqual([1000, 7_202_000]);
    expect(retrying).toEqual(['completed']);
    const call = await scheduler.get(id);
    expect(call).toMatchObject({ status: 'completed', attempt: 2 });
    // The first attempt stays what it was: completed, answered by a machine; then a new step.
    const steps = call.events.map((e) => [e.attempt, e.status, e.answeredBy ?? null]);
    expect(steps).toContainEqual([1, 'completed', null]);
    expect(call.events.filter((e) => e.answeredBy === 'machine').map((e) => e.attempt)).toEqual([
      1, 2,
    ]);
    expect(call.events.find((e) => e.status === 'scheduled' && e.attempt === 2)).toMatchObject({
      reason: 'completed',
    });
    // The history shows both attempts, each completed and answered by a machine.
    expect((await scheduler.history(BOB)).items).toMatchObject([
      { type: 'Completed Inbound', answeredBy: 'machine' },
      { type: 'Completed Inbound', answeredBy: 'machine' },
    ]);
    await scheduler.stop();
  });

  it('does not call a person again: an attempt answered by a human ends the call', async () => {
    const { clock, provider, scheduler } = setup(['completed']);
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      call: detect,
      retry: { machine: { afterMs: 1000, maxAttempts: 3 } },
    });
    await clock.advance(600_000);
    expect(times(provider)).toEqual([1000]);
    expect(await scheduler.get(id)).toMatchObject({ status: 'completed', attempt: 1 });
    await scheduler.stop();
  });

  it('decides on who answered as the final status says it, when no step said it before', async () => {
    const clock = createFakeClock(T0);
    const { provider, scheduler } = setup(['completed'], {
      clock,
      provider: { follow: 'webhooks', answeredBy: () => undefined },
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      call: detect,
      retry: { machine: { afterMs: 60_000, maxAttempts: 3 } },
    });
    await clock.advance(1000);
    const at = (ms: number) => new Date(T0 + ms);
    await scheduler.handleStatus({
      callId: 'p0',
      status: 'answered',
      providerStatus: 'answered',
      at: at(2000),
    });
    await clock.advanceTo(T0 + 3000);
    await scheduler.handleStatus({
      callId: 'p0',
      status: 'completed',
      providerStatus: 'completed',
      at: at(3000),
      answeredBy: 'machine',
    });
    expect(await scheduler.get(id)).toMatchObject({ status: 'scheduled', attempt: 2 });
    expect((await scheduler.get(id)).dueAt.getTime()).toBe(T0 + 3000 + 60_000);
    // A word on who answered that comes after the end is too late to call again.
    await clock.advanceTo(T0 + 63_000);
    expect(times(provider)).toEqual([1000, 63_000]);
    await scheduler.handleStatus({
      callId: 'p1',
      status: 'completed',
      providerStatus: 'completed',
      at: at(64_000),
    });
    await scheduler.handleStatus({
      callId: 'p1',
      status: 'completed',
      providerStatus: 'completed',
      at: at(65_000),
      answeredBy: 'machine',
    });
    expect(await scheduler.get(id)).toMatchObject({ status: 'completed', attempt: 2 });
    await scheduler.stop();
  });

  it('hears who answered from a detection event after the answer (Telnyx), then retries at the end', async () => {
    const clock = createFakeClock(T0);
    const { scheduler } = setup(['completed'], {
      clock,
      provider: { follow: 'webhooks', answeredBy: () => undefined },
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      call: detect,
      retry: { machine: { afterMs: 60_000, maxAttempts: 2 } },
    });
    await clock.advance(1000);
    const step = (status: 'answered' | 'completed', answeredBy?: AnsweredBy) => ({
      callId: 'p0',
      status,
      providerStatus: status,
      at: new Date(clock.now()),
      ...(answeredBy ? { answeredBy } : {}),
    });
    await scheduler.handleStatus(step('answered'));
    await clock.advance(2000);
    // `call.machine.detection.ended`: the same status, now saying who answered.
    await scheduler.handleStatus(step('answered', 'machine'));
    expect(await scheduler.get(id)).toMatchObject({ status: 'answered', attempt: 1 });
    await clock.advance(10_000);
    await scheduler.handleStatus(step('completed'));
    const call = await scheduler.get(id);
    expect(call).toMatchObject({ status: 'scheduled', attempt: 2 });
    expect(call.dueAt.getTime()).toBe(clock.now() + 60_000);
    await scheduler.stop();
  });

  it("defers a retry due outside the calling window to the window's next opening", async () => {
    // 20:59:58 in New York (EDT, UTC-4) is 00:59:58Z, the last instant a call may start (the
    // window must stay open a second longer): busy at once, retried 30 min later.
    const start = Date.parse('2026-06-02T00:59:58Z');
    const clock = createFakeClock(start);
    const { provider, scheduler } = setup(['busy', 'completed'], { clock });
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(start),
      window: { start: '08:00', end: '21:00', timezone: 'America/New_York' },
      retry: { busy: { afterMs: 1_800_000, maxAttempts: 2 } },
    });
    await clock.advanceTo(Date.parse('2026-06-02T13:00:00Z'));
    expect(provider.placed.map((p) => p.at.toISOString())).toEqual([
      '2026-06-02T00:59:58.000Z',
      '2026-06-02T12:00:00.000Z',
    ]);
    const call = await scheduler.get(id);
    expect(call.events.filter((e) => e.reason === 'window')).toHaveLength(1);
    expect(call).toMatchObject({ status: 'completed', attempt: 2 });
    await scheduler.stop();
  });

  it('counts the attempts of each outcome from the timeline: a restart changes nothing', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const first = setup(['busy'], { store, clock });
    await first.scheduler.start();
    const { id } = await first.scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      retry: { busy: { afterMs: 10_000, maxAttempts: 3 } },
    });
    await clock.advance(20_000); // two busy attempts
    await first.scheduler.stop();
    expect(times(first.provider)).toEqual([1000, 12_000]);
    const second = setup(['busy'], { store, clock });
    await second.scheduler.start();
    await clock.advance(600_000);
    // One attempt more, the third busy: its cap.
    expect(second.provider.placed).toHaveLength(1);
    expect(await second.scheduler.get(id)).toMatchObject({ status: 'busy', attempt: 3 });
    await second.scheduler.stop();
  });
});

describe('retry: what schedule() refuses', () => {
  const refusal = async (input: Partial<ScheduleInput>) => {
    const { scheduler } = setup(['completed']);
    const error = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000), ...input }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isValidationError(error)).toBe(true);
    return (error as { issues: { path: PropertyKey[]; message: string }[] }).issues;
  };

  it('refuses retryBackoff beside retry', async () => {
    expect(
      await refusal({
        retry: { busy: { afterMs: 1000, maxAttempts: 2 } },
        retryBackoff: { delayMs: 1000 },
      }),
    ).toEqual([
      expect.objectContaining({
        path: ['retryBackoff'],
        message: expect.stringContaining('give each outcome of retry its own afterMs'),
      }),
    ]);
  });

  it.each([undefined, { ringTimeoutS: 30 }, { machineDetection: 'off' as const }])(
    'refuses retry.machine for a call without machine detection (%j)',
    async (call) => {
      expect(
        await refusal({
          ...(call ? { call } : {}),
          retry: { machine: { afterMs: 1000, maxAttempts: 2 } },
        }),
      ).toEqual([
        expect.objectContaining({
          path: ['retry', 'machine'],
          message: expect.stringContaining('retry.machine needs call.machineDetection'),
        }),
      ]);
    },
  );

  it('refuses an outcome it does not know, with the one meant', async () => {
    const issues = await refusal({
      retry: { noanswer: { afterMs: 1000, maxAttempts: 2 } } as ScheduleInput['retry'],
    });
    expect(issues.map((i) => i.message).join()).toContain(
      'unknown outcome "noanswer": did you mean "no-answer"?',
    );
  });

  it('refuses a bad delay or cap at its path', async () => {
    const issues = await refusal({ retry: { busy: { afterMs: -1, maxAttempts: 0 } } });
    expect(issues.map((i) => i.path.join('.')).sort()).toEqual([
      'retry.busy.afterMs',
      'retry.busy.maxAttempts',
    ]);
  });

  it('stores nothing when it refuses', async () => {
    const { scheduler, store } = setup(['completed']);
    await expect(
      scheduler.schedule({
        to: BOB,
        at: new Date(T0 + 1000),
        retry: { machine: { afterMs: 1000, maxAttempts: 2 } },
      }),
    ).rejects.toThrow(/machineDetection/);
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });
});
