/**
 * The scheduler's public behaviour on the memory store with a fake clock and provider: placing
 * on time, cancel, reschedule, retries, following calls, history. Faults, leases, timers and
 * recurrence have files of their own beside it.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { isUnsupportedOperationError } from '@ringkit/call-client';
import { isConflictError, isCallNotFoundError, isValidationError } from './errors.js';
import { createFakeProvider, type FakeProviderOptions } from '@ringkit/simulator';
import { deferred } from '../test/fakes.js';
import type { SchedulerOptions } from './options.js';
import { createScheduler } from './scheduler.js';
import type { SchedulerEvents } from './events.js';
import type { Store } from './store.js';
import { storedCall } from './testing/store-contract.js';
import { createFakeClock } from '@ringkit/call-client/testing';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';

function setup(
  options: Partial<Omit<SchedulerOptions, 'provider'>> & {
    provider?: Partial<FakeProviderOptions>;
  } = {},
) {
  const clock = createFakeClock(T0);
  const store: Store = options.store ?? createMemoryStore();
  const provider = createFakeProvider({ clock, ...options.provider });
  const scheduler = createScheduler({
    callerId: ME,
    recheckIntervalMs: 0,
    ...options,
    store,
    clock,
    provider,
  });
  const seen: { type: keyof SchedulerEvents; id?: string; reason?: string }[] = [];
  for (const type of [
    'scheduled',
    'dispatching',
    'completed',
    'failed',
    'canceled',
    'retrying',
  ] as const) {
    scheduler.on(type, (e) => {
      const event = e as { call: { id: string }; reason?: string };
      seen.push({ type, id: event.call.id, reason: event.reason });
    });
  }
  return { clock, store, provider, scheduler, seen };
}

describe('createScheduler', () => {
  it('places a call at its due time and never a millisecond before', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    const call = await scheduler.schedule({ to: '(415) 555-2671', at: new Date(T0 + 60_000) });
    expect(call).toMatchObject({ to: BOB, status: 'scheduled', attempt: 1 });
    await clock.advanceTo(T0 + 59_999);
    expect(provider.placed).toHaveLength(0);
    await clock.advance(1);
    expect(provider.placed).toMatchObject([{ to: BOB, at: new Date(T0 + 60_000), id: 'p0' }]);
    await scheduler.stop();
  });

  it.each([['recheckIntervalMs', { recheckIntervalMs: 5_000 }]])(
    're-checks the store every %s for calls stored behind its back',
    async (_, interval) => {
      const { clock, provider, scheduler, store } = setup(interval);
      await scheduler.start();
      // Written straight to the store (as another process without `subscribe` would): only the
      // re-check finds it.
      await store.insert(storedCall({ id: 'elsewhere', to: BOB, dueAt: T0 + 1_000 }));
      await clock.advance(4_999);
      expect(provider.placed).toHaveLength(0);
      await clock.advance(1);
      expect(provider.placed.map((p) => p.at.getTime())).toEqual([T0 + 5_000]);
      await scheduler.stop();
    },
  );

  it("re-checks on the process's beat, the multiples of recheckIntervalMs, not from its start", async () => {
    const { clock, provider, scheduler, store } = setup({ recheckIntervalMs: 5_000 });
    await clock.advance(3_200);
    await scheduler.start();
    await store.insert(storedCall({ id: 'elsewhere', to: BOB, dueAt: T0 + 3_500 }));
    // Started 3.2 s past a beat: the next re-check is 1.8 s away, where another loop's would be.
    await clock.advance(1_799);
    expect(provider.placed).toHaveLength(0);
    await clock.advance(1);
    expect(provider.placed.map((p) => p.at.getTime())).toEqual([T0 + 5_000]);
    await scheduler.stop();
  });

  it('keeps one timer for any number of pending calls', async () => {
    const { clock, scheduler } = setup({ recheckIntervalMs: 30_000 });
    await scheduler.start();
    for (let i = 0; i < 100; i++) {
      await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000 + i * 1000) });
    }
    // The dispatch loop's one timer, for its wake time and the in-flight sweep: never one per call.
    expect(clock.pending).toBe(1);
    await scheduler.stop();
    expect(clock.pending).toBe(0);
  });

  it('follows a polling call to completion and records every step with its time', async () => {
    const { clock, scheduler, seen } = setup();
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(11_000);
    const call = await scheduler.get(id);
    expect(call.status).toBe('completed');
    expect(call.providerCallId).toBe('p0');
    expect(call.events.map((e) => [e.status, e.at.getTime() - T0])).toEqual([
      ['scheduled', 0],
      ['queued', 1000],
      ['initiated', 1000],
      // The first poll leaves one interval after the placement's answer.
      ['ringing', 2000],
      ['answered', 3000],
      ['completed', 4000],
    ]);
    expect(seen.map((e) => e.type)).toEqual(['scheduled', 'dispatching', 'completed']);
    const history = await scheduler.history(BOB);
    expect(history.items).toEqual([
      {
        id: `${id}-1`,
        createdAt: new Date(T0 + 1000),
        counterparty: ME,
        type: 'Completed Inbound',
        duration: 1,
      },
    ]);
    expect((await scheduler.history(ME)).items[0]).toMatchObject({
      counterparty: BOB,
      type: 'Completed Outbound',
    });
    await scheduler.stop();
  });

  it('never has more than `concurrency` placements in flight', async () => {
    const gate = deferred();
    const { clock, provider, scheduler } = setup({
      concurrency: 3,
      provider: { onPlace: () => gate.promise },
    });
    await scheduler.start();
    for (let i = 0; i < 10; i++) await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    expect(provider.inFlight).toBe(3);
    gate.resolve();
    await clock.advance(1000);
    expect(provider.placed).toHaveLength(10);
    expect(provider.maxInFlight).toBe(3);
    await scheduler.stop();
  });

  it('does not place a call canceled before its time, and refuses to cancel a placed one', async () => {
    const { clock, provider, scheduler, seen } = setup();
    await scheduler.start();
    const a = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    const b = await scheduler.schedule({ to: BOB, at: new Date(T0 + 2000) });
    expect((await scheduler.cancel(a.id)).status).toBe('canceled');
    await clock.advance(2000);
    expect(provider.placed).toHaveLength(1);
    const error = await scheduler.cancel(b.id).catch((e: unknown) => e);
    // The fake provider has no cancelCall: what it cannot do is call-client's error.
    expect(isUnsupportedOperationError(error)).toBe(true);
    expect((error as Error).message).toMatch(/only a call not yet placed can be canceled/);
    expect(seen.filter((e) => e.type === 'canceled').map((e) => e.id)).toEqual([a.id]);
    await scheduler.stop();
  });

  it('either cancels or places a call when cancel races its dispatch, never both', async () => {
    for (let delay = 0; delay < 12; delay++) {
      const { clock, provider, scheduler } = setup();
      await scheduler.start();
      const call = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
      const advancing = clock.advance(1000);
      for (let i = 0; i < delay; i++) await Promise.resolve();
      const outcome = await scheduler.cancel(call.id).then(
        (c) => c.status,
        (e: unknown) => (isConflictError(e) ? 'conflict' : e),
      );
      await advancing;
      await clock.advance(5000);
      const final = await scheduler.get(call.id);
      if (outcome === 'canceled') {
        expect(provider.placed).toHaveLength(0);
        expect(final.status).toBe('canceled');
      } else {
        expect(outcome).toBe('conflict');
        expect(provider.placed).toHaveLength(1);
      }
      await scheduler.stop();
    }
  });

  it('places a rescheduled call at its new time only', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    const rescheduled: SchedulerEvents['rescheduled'][] = [];
    scheduler.on('rescheduled', (event) => rescheduled.push(event));
    const call = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    const moved = await scheduler.reschedule(call.id, new Date(T0 + 5000).toISOString());
    expect(moved.dueAt).toEqual(new Date(T0 + 5000));
    expect(rescheduled).toEqual([{ call: moved, previousDueAt: new Date(T0 + 1000) }]);
    await clock.advance(4999);
    expect(provider.placed).toHaveLength(0);
    await clock.advance(1);
    expect(provider.placed.map((p) => p.at.getTime())).toEqual([T0 + 5000]);
    const late = await scheduler.reschedule(call.id, new Date(T0 + 9000)).catch((e: unknown) => e);
    expect(isConflictError(late)).toBe(true);
    expect(rescheduled).toHaveLength(1);
    const past = await scheduler
      .reschedule(call.id, new Date(T0 - 120_000))
      .catch((e: unknown) => e);
    expect(isValidationError(past)).toBe(true);
    await scheduler.stop();
  });

  it('retries busy and unanswered calls after an exponential backoff', async () => {
    const { clock, provider, scheduler, seen } = setup({
      provider: {
        script: (_to, n) =>
          n < 2 ? ['ringing', n === 0 ? 'busy' : 'no-answer'] : ['answered', 'completed'],
      },
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      maxAttempts: 3,
      retryBackoff: { delayMs: 10_000, factor: 3 },
    });
    await clock.advance(60_000);
    // Polled every second from one second after the placement: attempt 1 placed at 1000 is
    // ringing at 2000 and busy at 3000, so attempt 2 goes at 13000 (+10 s); it is unanswered at
    // 15000, so attempt 3 goes at 45000 (+30 s).
    expect(provider.placed.map((p) => p.at.getTime() - T0)).toEqual([1000, 13_000, 45_000]);
    const call = await scheduler.get(id);
    expect(call).toMatchObject({ status: 'completed', attempt: 3 });
    expect(seen.filter((e) => e.type === 'retrying').map((e) => e.reason)).toEqual([
      'busy',
      'no-answer',
    ]);
    const types = (await scheduler.history(BOB)).items.map((h) => h.type);
    expect(types).toEqual(['Completed Inbound', 'Missed Inbound', 'Missed Inbound']);
    await scheduler.stop();
  });

  it('fails a call for good once its attempts are used up', async () => {
    const { clock, provider, scheduler, seen } = setup({ provider: { script: () => ['busy'] } });
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      maxAttempts: 2,
      retryBackoff: { delayMs: 1000 },
    });
    await clock.advance(30_000);
    expect(provider.placed).toHaveLength(2);
    expect(await scheduler.get(id)).toMatchObject({ status: 'busy', reason: 'busy', attempt: 2 });
    expect(seen.filter((e) => e.type === 'failed')).toEqual([
      { type: 'failed', id, reason: 'busy' },
    ]);
    await scheduler.stop();
  });

  it('retries a placement the provider refused, but never one whose outcome is unknown', async () => {
    const { HttpError, RequestTimeoutError } = await import('@ringkit/call-client');
    const request = { method: 'POST', url: 'http://x/api/call' };
    const answered = (status: number) =>
      new HttpError({ status, request, body: '', headers: new Headers(), attempts: 4 });
    const REFUSED = BOB; // first attempt answered 503: the provider did not act on it
    const TIMED_OUT = '+14155550199'; // no answer: the call may exist
    const SERVER_ERROR = '+14155550198'; // 500: the call may exist
    const GATEWAY = '+14155550197'; // 504 from a gateway that gave up: the call may exist
    const sent = new Map<string, number>();
    const { clock, scheduler } = setup({
      provider: {
        script: () => ['completed'],
        onPlace: (to, n) => {
          sent.set(to, (sent.get(to) ?? 0) + 1);
          if (to === REFUSED && n === 0) throw answered(503);
          if (to === TIMED_OUT) throw new RequestTimeoutError({ request, timeoutMs: 10 });
          if (to === SERVER_ERROR) throw answered(500);
          if (to === GATEWAY) throw answered(504);
        },
      },
    });
    scheduler.on('error', () => {});
    await scheduler.start();
    const retry = { maxAttempts: 3, retryBackoff: { delayMs: 1000 } };
    const a = await scheduler.schedule({ to: REFUSED, at: new Date(T0 + 1000), ...retry });
    const b = await scheduler.schedule({ to: TIMED_OUT, at: new Date(T0 + 5000), ...retry });
    const c = await scheduler.schedule({ to: SERVER_ERROR, at: new Date(T0 + 6000), ...retry });
    const d = await scheduler.schedule({ to: GATEWAY, at: new Date(T0 + 7000), ...retry });
    await clock.advance(20_000);
    expect(await scheduler.get(a.id)).toMatchObject({ status: 'completed', attempt: 2 });
    for (const id of [b.id, c.id, d.id]) {
      expect(await scheduler.get(id)).toMatchObject({
        status: 'failed',
        reason: 'outcome_unknown',
        attempt: 1,
      });
    }
    // Each request that may have reached a person was sent once, never again, and is on record.
    expect(Object.fromEntries(sent)).toEqual({
      [REFUSED]: 2,
      [TIMED_OUT]: 1,
      [SERVER_ERROR]: 1,
      [GATEWAY]: 1,
    });
    for (const to of [TIMED_OUT, SERVER_ERROR, GATEWAY]) {
      const { items } = await scheduler.history(to);
      expect(items).toMatchObject([{ type: 'Unknown Inbound' }]);
      expect(items[0]).not.toHaveProperty('duration');
    }
    await scheduler.stop();
  });

  it('defers a call due outside its calling window to the next opening in that time zone', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    // 22:30 in New York (EDT, UTC-4) is 02:30Z the next day.
    const at = Date.parse('2026-06-02T02:30:00Z');
    await scheduler.schedule({
      to: BOB,
      at: new Date(at),
      window: { start: '08:00', end: '21:00', timezone: 'America/New_York' },
    });
    await clock.advanceTo(Date.parse('2026-06-02T11:59:59Z'));
    expect(provider.placed).toHaveLength(0);
    await clock.advanceTo(Date.parse('2026-06-02T12:00:00Z'));
    expect(provider.placed.map((p) => p.at.toISOString())).toEqual(['2026-06-02T12:00:00.000Z']);
    await scheduler.stop();
  });

  it('idempotency: a key seen before returns the first call and places it once', async () => {
    const { clock, provider, scheduler, store } = setup();
    await scheduler.start();
    const input = { to: BOB, at: new Date(T0 + 1000), idempotencyKey: 'order-42' };
    const [a, b] = await Promise.all([scheduler.schedule(input), scheduler.schedule(input)]);
    const c = await scheduler.schedule(input);
    expect(b.id).toBe(a.id);
    expect(c.id).toBe(a.id);
    expect((await store.list({ limit: 10 })).items).toHaveLength(1);
    await clock.advance(1000);
    expect(provider.placed).toHaveLength(1);
    await scheduler.stop();
  });

  it('answers unknown ids with CallNotFoundError', async () => {
    const { scheduler } = setup();
    for (const attempt of [
      scheduler.get('nope'),
      scheduler.cancel('nope'),
      scheduler.reschedule('nope', new Date(T0 + 1000)),
    ]) {
      const error = await attempt.catch((e: unknown) => e);
      expect(isCallNotFoundError(error)).toBe(true);
    }
  });

  it('pages through calls with a cursor and filters by status and number', async () => {
    const { scheduler } = setup();
    for (let i = 0; i < 5; i++) await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    const other = await scheduler.schedule({ to: '+14155550123', at: new Date(T0 + 1000) });
    await scheduler.cancel(other.id);
    const first = await scheduler.list({ limit: 4 });
    const second = await scheduler.list({ limit: 4, cursor: first.nextCursor });
    expect(first.items).toHaveLength(4);
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    expect((await scheduler.list({ status: 'canceled' })).items.map((c) => c.id)).toEqual([
      other.id,
    ]);
    expect((await scheduler.list({ to: '4155552671' })).items).toHaveLength(5);
    const bad = await scheduler.list({ cursor: 'garbage' }).catch((e: unknown) => e);
    expect(isValidationError(bad)).toBe(true);
  });

  it('waits on stop for placements in flight to be recorded', async () => {
    const gate = deferred();
    const { clock, scheduler } = setup({ provider: { onPlace: () => gate.promise } });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await clock.flush();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(await scheduler.get(id)).toMatchObject({ status: 'initiated', providerCallId: 'p0' });
  });

  it('records inbound calls given to recordCall in both parties’ history', async () => {
    const { scheduler } = setup();
    await scheduler.recordCall({
      from: BOB,
      to: ME,
      status: 'completed',
      startedAt: new Date(T0),
      answeredAt: new Date(T0 + 2000),
      endedAt: new Date(T0 + 92_000),
    });
    await scheduler.recordCall({
      from: ME,
      to: BOB,
      status: 'no-answer',
      startedAt: new Date(T0 + 1),
    });
    expect((await scheduler.history(ME)).items.map((h) => [h.type, h.duration])).toEqual([
      ['Missed Outbound', undefined],
      ['Completed Inbound', 90],
    ]);
    expect((await scheduler.history(BOB)).items.map((h) => h.type)).toEqual([
      'Missed Inbound',
      'Completed Outbound',
    ]);
    const bad = await scheduler.history('not a number').catch((e: unknown) => e);
    expect(isValidationError(bad)).toBe(true);
  });

  it('shows a call not ended yet as in progress, never missed, and one of unknown outcome as unknown', async () => {
    const { scheduler } = setup();
    const id = 'dialer-run-0-1';
    await scheduler.recordCall({
      id,
      from: ME,
      to: BOB,
      status: 'initiated',
      startedAt: new Date(T0),
    });
    await scheduler.recordCall({
      from: ME,
      to: BOB,
      status: 'ringing',
      startedAt: new Date(T0 + 1),
      answeredAt: null,
    });
    await scheduler.recordCall({
      from: ME,
      to: BOB,
      status: 'failed',
      startedAt: new Date(T0 + 2),
      endedAt: new Date(T0 + 10_000),
      outcomeUnknown: true,
    });
    expect((await scheduler.history(ME)).items.map((h) => [h.type, h.duration])).toEqual([
      ['Unknown Outbound', undefined],
      ['In progress Outbound', undefined],
      ['In progress Outbound', undefined],
    ]);
    // The same record, written again when the call ends, is one line of history.
    await scheduler.recordCall({
      id,
      from: ME,
      to: BOB,
      status: 'completed',
      startedAt: new Date(T0),
      answeredAt: new Date(T0 + 5_000),
      endedAt: new Date(T0 + 65_000),
    });
    const items = (await scheduler.history(ME)).items;
    expect(items.map((h) => h.type)).toEqual([
      'Unknown Outbound',
      'In progress Outbound',
      'Completed Outbound',
    ]);
    expect(items[2]).toMatchObject({ id, duration: 60 });
  });

  it('refuses an unknown outcome on a call record that did not fail', async () => {
    const { scheduler } = setup();
    const error = await scheduler
      .recordCall({
        from: ME,
        to: BOB,
        status: 'completed',
        startedAt: new Date(T0),
        outcomeUnknown: true,
      })
      .catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect(String(error)).toContain('outcomeUnknown');
    expect((await scheduler.history(ME)).items).toEqual([]);
  });
});
