/**
 * What the engine makes of a provider that does not answer as it should: a placement request
 * that never answers (aborted at `callTimeoutMs`), an answer that cannot be the call's (no id,
 * another call's id), and a timeout check (`getCall`) that fails or hangs. Each call ends with
 * its outcome unknown or timed out, is never placed twice, and the failure is told.
 */
import type { CallProvider, PlaceCallRequest, ProviderCall } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { SchedulerEvents } from './events.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';
const ANN = '+13018040009';

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

/** A provider whose answers the test gives by hand: `placed[n].answer(call)` or `.fail(e)`. */
function handProvider(extra: Partial<CallProvider> = {}) {
  const placed: {
    request: PlaceCallRequest;
    answer: (call: unknown) => void;
    fail: (error: unknown) => void;
  }[] = [];
  const provider: CallProvider = {
    name: 'hand',
    capabilities: { polling: false, webhooks: true },
    placeCall(request) {
      return new Promise<ProviderCall>((resolve, reject) => {
        placed.push({ request, answer: (call) => resolve(call as ProviderCall), fail: reject });
      });
    },
    ...extra,
  };
  return { provider, placed };
}

async function start(provider: CallProvider, callTimeoutMs = 60_000) {
  const clock = createFakeClock(T0);
  const scheduler = createScheduler({
    store: createMemoryStore(),
    provider,
    clock,
    callerId: ME,
    callTimeoutMs,
  });
  schedulers.push(scheduler);
  const errors: SchedulerEvents['error'][] = [];
  const failed: SchedulerEvents['failed'][] = [];
  scheduler.on('error', (e) => errors.push(e));
  scheduler.on('failed', (e) => failed.push(e));
  await scheduler.start();
  return { clock, scheduler, errors, failed };
}

const call = (id: unknown, status = 'initiated') => ({
  id,
  status,
  providerStatus: status,
  raw: {},
});

describe('a placement request that never answers', () => {
  it('is aborted at callTimeoutMs and ends with its outcome unknown, never placed again', async () => {
    const { provider, placed } = handProvider();
    const { clock, scheduler, failed } = await start(provider, 5_000);
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0), maxAttempts: 3 });
    await clock.advance(0);
    expect(placed).toHaveLength(1);
    const { signal } = placed[0]!.request;
    expect(signal?.aborted).toBe(false);
    await clock.advance(4_999);
    expect((await scheduler.get(id)).status).toBe('queued');
    await clock.advance(1);
    expect(signal?.aborted).toBe(true);
    expect(await scheduler.get(id)).toMatchObject({ status: 'failed', reason: 'outcome_unknown' });
    expect(String((failed[0]?.error as Error).message)).toBe(
      'The POST got no answer within 5000 ms',
    );
    // Its late answer changes nothing, and nothing is placed again.
    placed[0]!.answer(call('late'));
    await clock.advance(60_000);
    expect(await scheduler.get(id)).toMatchObject({ status: 'failed', providerCallId: null });
    expect(placed).toHaveLength(1);
  });

  it('sets no timer beyond the request: one answered in time leaves nothing armed for it', async () => {
    const { provider, placed } = handProvider();
    const { clock, scheduler } = await start(provider, 5_000);
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0) });
    await clock.advance(0);
    placed[0]!.answer(call('c1'));
    await clock.advance(10_000);
    expect(placed[0]!.request.signal?.aborted).toBe(false);
    expect((await scheduler.get(id)).status).not.toBe('queued');
  });
});

describe('an answer that cannot be the call’s', () => {
  it.each([
    ['no id', {}],
    ['an empty id', call('')],
    ['a number for an id', call(42)],
    ['null', null],
  ])('ends the call with its outcome unknown for %s, and tells why', async (_, answer) => {
    const { provider, placed } = handProvider();
    const { clock, scheduler, errors } = await start(provider);
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0), maxAttempts: 3 });
    await clock.advance(0);
    placed[0]!.answer(answer);
    await clock.advance(0);
    expect(await scheduler.get(id)).toMatchObject({
      status: 'failed',
      reason: 'outcome_unknown',
      providerCallId: null,
    });
    expect(errors.map((e) => [e.source, (e.error as Error).message])).toEqual([
      ['provider', 'hand answered the POST without a call id'],
    ]);
    await clock.advance(60_000);
    expect(placed).toHaveLength(1);
  });

  it('takes an id already given to another call in flight as no answer, and keeps it the first call’s', async () => {
    const { provider, placed } = handProvider();
    const { clock, scheduler, errors } = await start(provider);
    const first = await scheduler.schedule({ to: BOB, at: new Date(T0) });
    const second = await scheduler.schedule({ to: ANN, at: new Date(T0) });
    await clock.advance(0);
    // The two requests may leave in either order: the first call is the one answered first.
    const of = (to: string) => placed.find((p) => p.request.to === to)!;
    of(BOB).answer(call('same'));
    await clock.advance(0);
    of(ANN).answer(call('same'));
    await clock.advance(0);
    expect(await scheduler.get(first.id)).toMatchObject({ status: 'initiated' });
    expect(await scheduler.get(second.id)).toMatchObject({
      status: 'failed',
      reason: 'outcome_unknown',
      providerCallId: null,
    });
    expect((errors[0]?.error as Error).message).toMatch(/answered call id same, already given/);
    await scheduler.handleStatus({
      callId: 'same',
      status: 'completed',
      providerStatus: 'completed',
      at: new Date(T0),
    });
    expect((await scheduler.get(first.id)).status).toBe('completed');
  });
});

describe('the timeout check', () => {
  it('gives the call’s failure to check as the timeout’s cause, told as a timeout_check error', async () => {
    const refusal = new Error('status unavailable');
    const { provider, placed } = handProvider({ getCall: () => Promise.reject(refusal) });
    const { clock, scheduler, errors, failed } = await start(provider, 60_000);
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0) });
    await clock.advance(0);
    placed[0]!.answer(call('c1'));
    await clock.advance(125_000);
    expect(await scheduler.get(id)).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(errors).toEqual([{ error: refusal, source: 'timeout_check', callId: id }]);
    expect(failed.map((f) => [f.reason, f.error])).toEqual([['timeout', refusal]]);
  });

  it('gives up on a check that hangs after 10 s, its signal aborted', async () => {
    let signal: AbortSignal | undefined;
    const { provider, placed } = handProvider({
      getCall: (_id, options) => {
        signal = options?.signal;
        return new Promise(() => {});
      },
    });
    const { clock, scheduler, errors } = await start(provider, 60_000);
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0) });
    await clock.advance(0);
    placed[0]!.answer(call('c1'));
    // The sweep at the timeout starts the check; it hangs.
    await clock.advance(60_000);
    expect(signal?.aborted).toBe(false);
    expect((await scheduler.get(id)).status).toBe('initiated');
    await clock.advance(10_000);
    expect(signal?.aborted).toBe(true);
    expect(await scheduler.get(id)).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(errors.map((e) => e.source)).toEqual(['timeout_check']);
  });
});

describe('a polled call that ends another way', () => {
  it('is polled no more once a webhook ended it', async () => {
    let polls = 0;
    const { provider, placed } = handProvider({
      capabilities: { polling: true, webhooks: false },
      getCall: async (id) => {
        polls += 1;
        return call(id, 'ringing') as ProviderCall;
      },
    });
    const { clock, scheduler } = await start(provider, 3_600_000);
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0) });
    await clock.advance(0);
    placed[0]!.answer(call('c1'));
    await clock.advance(5_000);
    const before = polls;
    expect(before).toBeGreaterThan(0);
    await scheduler.handleStatus({
      callId: 'c1',
      status: 'completed',
      providerStatus: 'completed',
      at: new Date(clock.now()),
    });
    expect((await scheduler.get(id)).status).toBe('completed');
    await clock.advance(60_000);
    expect(polls).toBe(before);
  });
});
