/**
 * Every way an attempt fails: refused, ambiguous and timed-out placements, lost webhooks, the
 * timeout check, slots held in doubt. One file because the cases share one fake setup.
 */
import {
  HttpError,
  ConnectionError,
  RequestTimeoutError,
  type ProviderCall,
} from '@ringkit/call-client';
import { describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '@ringkit/call-client/testing';
import { manualProvider, flush, providerCall, statusEvent, T0, settle } from '../test/utils.js';
import { createDialer } from './dialer.js';
import { DialAttemptError, isDialAttemptError } from './errors.js';
import type { DialerEvents, DialerOptions } from './types.js';

const NUMBERS = ['+14155552671', '+13018040009', '+12025550123', '+12125550101'];
const request = { method: 'POST', url: 'http://provider.test/call' };
const http = (status: number) =>
  new HttpError({ status, request, body: '', headers: new Headers(), attempts: 4 });

function setup(options: Partial<DialerOptions> = {}) {
  const provider = options.provider ?? manualProvider();
  const clock = createFakeClock(T0);
  const dialer = createDialer({ provider, numbers: NUMBERS, clock, concurrency: 2, ...options });
  const errors: DialerEvents['error'][] = [];
  dialer.on('error', (event) => errors.push(event));
  return { provider: provider as ReturnType<typeof manualProvider>, clock, dialer, errors };
}

describe('a POST that fails', () => {
  it('fails the entry with the error, frees its slot and dials on', async () => {
    const { dialer, provider, errors } = setup();
    dialer.start();
    await flush();
    const cause = http(422);
    provider.placed[0]?.fail(cause);
    await flush();
    const entry = dialer.snapshot().entries[0];
    expect(entry).toMatchObject({ status: 'failed', attempts: 1, callId: null });
    expect(entry?.error).toBeInstanceOf(DialAttemptError);
    expect(entry?.error).toMatchObject({ reason: 'place_failed', index: 0, attempt: 1, cause });
    // The message is what the store holds (the same from a read of the campaign later); the
    // provider's error is its cause.
    expect(entry?.error?.message).toBe(
      'Placing the call failed: the provider refused it, and no call was made',
    );
    expect(errors).toEqual([{ error: cause, source: 'place_call', index: 0 }]);
    expect(provider.placed.map((call) => call.to)).toEqual(NUMBERS.slice(0, 3));
  });

  it('treats a placeCall that throws synchronously like a failed POST', async () => {
    const provider = manualProvider();
    provider.placeCall = () => {
      throw new Error('not today');
    };
    const { dialer, clock } = setup({
      provider,
      numbers: NUMBERS.slice(0, 1),
      callTimeoutMs: 5_000,
    });
    dialer.start();
    await flush();
    // An error of unknown kind says nothing about whether a call was placed: never dialed again.
    expect(dialer.snapshot().entries[0]?.error).toMatchObject({
      reason: 'outcome_unknown',
      message: 'The call may or may not have been placed',
      cause: { message: 'not today' },
    });
    expect(dialer.snapshot().state).toBe('running');
    clock.advanceSync(5_000);
    await settle(clock);
    expect(dialer.snapshot().state).toBe('done');
  });

  it('places a new attempt after a POST the provider surely did not accept', async () => {
    const { dialer, provider } = setup({ maxAttempts: 2, numbers: NUMBERS.slice(0, 2) });
    dialer.start();
    await flush();
    provider.placed[0]?.fail(http(503));
    provider.placed[1]?.fail(
      new ConnectionError({ request, errno: 'ECONNREFUSED', cause: new Error('refused') }),
    );
    await flush();
    expect(provider.placed.map((call) => call.to)).toEqual([
      ...NUMBERS.slice(0, 2),
      ...NUMBERS.slice(0, 2),
    ]);
    expect(dialer.snapshot().entries.map((entry) => entry.attempts)).toEqual([2, 2]);
    expect(dialer.snapshot().entries[0]?.error).toBeUndefined();
  });

  it.each([
    ['a timeout', new RequestTimeoutError({ request, timeoutMs: 10 })],
    ['a 500', http(500)],
    ['a reset connection', new ConnectionError({ request, errno: 'ECONNRESET' })],
    ['an unknown error', new Error('boom')],
  ])('never places a new attempt after %s (the call may exist)', async (_, error) => {
    const { dialer, provider } = setup({ maxAttempts: 3, numbers: NUMBERS.slice(0, 1) });
    dialer.start();
    await flush();
    provider.placed[0]?.fail(error);
    await flush();
    expect(provider.placed).toHaveLength(1);
    expect(dialer.snapshot().entries[0]).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('fails an attempt whose POST answers an id already given to another call', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    provider.placed[0]?.answer('same');
    provider.placed[1]?.answer('same');
    await flush();
    const [first, second] = dialer.snapshot().entries;
    expect(first?.status).toBe('initiated');
    // Not the second call's id: its call may exist all the same, so it is never dialed again.
    expect(second).toMatchObject({ status: 'failed', callId: null });
    expect(second?.error).toMatchObject({ reason: 'outcome_unknown' });
    expect((second?.error?.cause as Error).message).toMatch(
      /answered call id same, already given to another call/,
    );
    dialer.handleStatus(statusEvent('same', 'completed'));
    await flush();
    expect(dialer.snapshot().entries[0]?.status).toBe('completed');
  });

  it('fails an attempt whose POST answers without an id', async () => {
    const provider = manualProvider();
    provider.placeCall = async () => ({}) as ProviderCall;
    const { dialer } = setup({ provider, numbers: NUMBERS.slice(0, 1) });
    dialer.start();
    await flush();
    expect(dialer.snapshot().entries[0]?.error).toMatchObject({ reason: 'outcome_unknown' });
    expect((dialer.snapshot().entries[0]?.error?.cause as Error).message).toBe(
      'fake answered the POST without a call id',
    );
  });
});

describe('maxAttempts', () => {
  it('places a new attempt at once for busy and no-answer, ahead of the rest of the list', async () => {
    const { dialer, provider } = setup({ maxAttempts: 2 });
    const statuses: string[] = [];
    dialer.on('status', (e) =>
      statuses.push(`${e.index}.${e.attempt}:${e.status}${e.willRetry ? '+' : ''}`),
    );
    dialer.start();
    await flush();
    provider.placed[0]?.answer('a');
    provider.placed[1]?.answer('b');
    await flush();
    dialer.handleStatus(statusEvent('a', 'busy'));
    await flush();
    expect(provider.placed.map((call) => call.to)).toEqual([NUMBERS[0], NUMBERS[1], NUMBERS[0]]);
    provider.placed[2]?.answer('a2');
    await flush();
    dialer.handleStatus(statusEvent('a', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('a2', 'no-answer'));
    await flush();
    expect(dialer.snapshot().entries[0]).toMatchObject({
      status: 'no-answer',
      attempts: 2,
      callId: 'a2',
    });
    expect(provider.placed[3]?.to).toBe(NUMBERS[2]);
    expect(statuses.filter((s) => s.startsWith('0.'))).toEqual([
      '0.1:dialing',
      '0.1:initiated',
      '0.1:busy+',
      '0.2:dialing',
      '0.2:initiated',
      '0.2:no-answer',
    ]);
  });

  it('does not place a new attempt after completed or canceled', async () => {
    const { dialer, provider } = setup({ maxAttempts: 5 });
    dialer.start();
    await flush();
    provider.placed[0]?.answer('a');
    provider.placed[1]?.answer('b');
    await flush();
    dialer.handleStatus(statusEvent('a', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('b', 'canceled'));
    await flush();
    expect(provider.placed.map((call) => call.to)).toEqual(NUMBERS);
  });
});

describe('a call that never ends', () => {
  it('fails with reason timeout after callTimeoutMs when the provider has no getCall', async () => {
    const { dialer, provider, clock } = setup({
      callTimeoutMs: 1000,
      numbers: NUMBERS.slice(0, 3),
    });
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('a');
    provider.placed[1]?.answer('b');
    await flush();
    dialer.handleStatus(statusEvent('a', 'ringing'));
    await settle(clock);
    clock.advanceSync(999);
    await settle(clock);
    expect(dialer.snapshot().entries[0]?.status).toBe('ringing');
    clock.advanceSync(1);
    await settle(clock);
    const entry = dialer.snapshot().entries[0];
    expect(entry).toMatchObject({ status: 'failed', endedAt: new Date(clock.now()) });
    expect(isDialAttemptError(entry?.error)).toBe(true);
    expect(entry?.error).toMatchObject({ reason: 'timeout', callId: 'a' });
    expect(entry?.error?.message).toBe('The call reached no end within callTimeoutMs');
    expect(provider.placed).toHaveLength(3);
    dialer.handleStatus(statusEvent('a', 'completed'));
    await settle(clock);
    expect(dialer.snapshot().entries[0]?.status).toBe('failed');
  });

  it('aborts a POST that got no answer within callTimeoutMs and ignores its late answer', async () => {
    const { dialer, provider, clock } = setup({
      callTimeoutMs: 1000,
      numbers: NUMBERS.slice(0, 1),
    });
    dialer.start();
    await settle(clock);
    clock.advanceSync(1000);
    await settle(clock);
    expect(provider.placed[0]?.signal?.aborted).toBe(true);
    expect((dialer.snapshot().entries[0]?.error?.cause as Error).message).toBe(
      'The POST got no answer within 1000 ms',
    );
    provider.placed[0]?.answer('late');
    await flush();
    dialer.handleStatus(statusEvent('late', 'completed'));
    await settle(clock);
    expect(dialer.snapshot().entries[0]).toMatchObject({ status: 'failed', callId: null });
  });

  it('takes the terminal status a getCall check answers at the timeout', async () => {
    const getCall = vi.fn(async (id: string) => providerCall(id, 'completed'));
    const provider = manualProvider({ getCall });
    const { dialer, clock } = setup({
      provider,
      callTimeoutMs: 1000,
      numbers: NUMBERS.slice(0, 1),
    });
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('a');
    await flush();
    clock.advanceSync(1000);
    await settle(clock);
    await flush();
    expect(getCall).toHaveBeenCalledTimes(1);
    expect(getCall.mock.calls[0]?.[0]).toBe('a');
    expect(dialer.snapshot().entries[0]).toMatchObject({ status: 'completed' });
    expect(dialer.snapshot().entries[0]?.error).toBeUndefined();
  });

  it('fails with reason timeout when the getCall check answers a status that is not terminal', async () => {
    const provider = manualProvider({ getCall: async (id) => providerCall(id, 'answered') });
    const { dialer, clock } = setup({
      provider,
      callTimeoutMs: 1000,
      numbers: NUMBERS.slice(0, 1),
    });
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('a');
    await flush();
    clock.advanceSync(1000);
    await settle(clock);
    await flush();
    expect(dialer.snapshot().entries[0]?.error).toMatchObject({ reason: 'timeout' });
  });

  it('fails with reason timeout, and reports the error, when the getCall check fails', async () => {
    const cause = http(500);
    const provider = manualProvider({ getCall: () => Promise.reject(cause) });
    const { dialer, clock, errors } = setup({
      provider,
      callTimeoutMs: 1000,
      numbers: NUMBERS.slice(0, 1),
    });
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('a');
    await flush();
    clock.advanceSync(1000);
    await settle(clock);
    await flush();
    expect(dialer.snapshot().entries[0]?.error).toMatchObject({ reason: 'timeout', cause });
    expect(errors).toEqual([{ error: cause, source: 'timeout_check', index: 0 }]);
  });

  it('gives up on a getCall check that hangs', async () => {
    let signal: AbortSignal | undefined;
    const provider = manualProvider({
      getCall: (_id, options) => {
        signal = options?.signal;
        return new Promise(() => {});
      },
    });
    const { dialer, clock } = setup({
      provider,
      callTimeoutMs: 60_000,
      numbers: NUMBERS.slice(0, 1),
    });
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('a');
    await flush();
    clock.advanceSync(60_000);
    await settle(clock);
    expect(dialer.snapshot().entries[0]?.status).toBe('initiated');
    clock.advanceSync(10_000);
    await settle(clock);
    expect(dialer.snapshot().entries[0]?.error).toMatchObject({ reason: 'timeout' });
    expect(signal?.aborted).toBe(true);
  });

  it('is not re-attempted, even with maxAttempts', async () => {
    const { dialer, provider, clock } = setup({
      callTimeoutMs: 10,
      maxAttempts: 3,
      numbers: NUMBERS.slice(0, 1),
    });
    dialer.start();
    await settle(clock);
    clock.advanceSync(10);
    await settle(clock);
    expect(provider.placed).toHaveLength(1);
    expect(dialer.snapshot().state).toBe('done');
  });

  it('times out each call callTimeoutMs after its own POST, on a single timer', async () => {
    const { dialer, provider, clock } = setup({ callTimeoutMs: 1000, concurrency: 3 });
    dialer.start();
    await settle(clock);
    expect(clock.pending).toBe(1);
    provider.placed[0]?.answer('a');
    await flush();
    clock.advanceSync(400);
    await settle(clock);
    dialer.handleStatus(statusEvent('a', 'completed'));
    await settle(clock);
    expect(provider.placed).toHaveLength(4);
    clock.advanceSync(599);
    await settle(clock);
    expect(dialer.snapshot().entries.map((entry) => entry.status)).toEqual([
      'completed',
      'dialing',
      'dialing',
      'dialing',
    ]);
    clock.advanceSync(1);
    await settle(clock);
    expect(dialer.snapshot().entries.map((entry) => entry.status)).toEqual([
      'completed',
      'failed',
      'failed',
      'dialing',
    ]);
    clock.advanceSync(399);
    await settle(clock);
    expect(dialer.snapshot().entries[3]?.status).toBe('dialing');
    clock.advanceSync(1);
    await settle(clock);
    expect(dialer.snapshot()).toMatchObject({ state: 'done' });
    expect(clock.pending).toBe(0);
  });

  it('clears its timer when the call ends in time', async () => {
    const { dialer, provider, clock } = setup({ numbers: NUMBERS.slice(0, 1) });
    dialer.start();
    await settle(clock);
    expect(clock.pending).toBe(1);
    provider.placed[0]?.answer('a');
    await flush();
    dialer.handleStatus(statusEvent('a', 'completed'));
    await settle(clock);
    expect(clock.pending).toBe(0);
  });
});

describe('a POST whose outcome is unknown', () => {
  const timeout = () => new RequestTimeoutError({ request, timeoutMs: 10 });

  it('never dials it again and keeps its slot until the call timeout passes', async () => {
    const { dialer, provider, clock } = setup({
      numbers: NUMBERS.slice(0, 3),
      concurrency: 1,
      maxAttempts: 3,
      callTimeoutMs: 60_000,
    });
    const finished: Array<{ status: string; inDoubt: boolean }> = [];
    dialer.on('finished', (e) => finished.push({ status: e.status, inDoubt: e.inDoubt }));
    dialer.start();
    await settle(clock);
    provider.placed[0]?.fail(http(504));
    await flush();
    expect(dialer.snapshot().entries[0]).toMatchObject({
      status: 'failed',
      callId: null,
      attempts: 1,
      inDoubt: true,
      error: { reason: 'outcome_unknown' },
    });
    expect(provider.placed).toHaveLength(1); // the slot is still taken: the phone may ring
    clock.advanceSync(59_999);
    await settle(clock);
    expect(provider.placed).toHaveLength(1);
    clock.advanceSync(1);
    await settle(clock);
    expect(dialer.snapshot().entries[0]?.inDoubt).toBe(false);
    expect(provider.placed.map((call) => call.to)).toEqual(NUMBERS.slice(0, 2));
    // Told when it ended, and again when its slot was let go.
    expect(finished).toEqual([
      { status: 'failed', inDoubt: true },
      { status: 'failed', inDoubt: false },
    ]);
  });

  it('never takes webhooks no POST claimed as its own, even when it is the only call in doubt', async () => {
    const { dialer, provider, clock } = setup({
      numbers: NUMBERS.slice(0, 2),
      concurrency: 1,
      callTimeoutMs: 60_000,
    });
    const finished: Array<{ status: string; callId: string | null; inDoubt: boolean }> = [];
    dialer.on('finished', (e) =>
      finished.push({ status: e.status, callId: e.callId, inDoubt: e.inDoubt }),
    );
    dialer.start();
    await settle(clock);
    dialer.handleStatus(statusEvent('p-1', 'ringing')); // before the POST's (lost) answer
    provider.placed[0]?.fail(timeout());
    await flush();
    expect(dialer.snapshot().entries[0]).toMatchObject({ status: 'failed', inDoubt: true });
    clock.advanceSync(5_000);
    await settle(clock);
    dialer.handleStatus({ ...statusEvent('p-1', 'answered'), at: new Date(clock.now()) });
    dialer.handleStatus({ ...statusEvent('p-1', 'completed'), at: new Date(clock.now()) });
    await settle(clock);
    // An id no answer gave may be anyone's call (another list's, one placed elsewhere on the
    // account): the entry stays in doubt, its slot held, until its call cannot be ringing.
    expect(dialer.snapshot().entries[0]).toMatchObject({
      status: 'failed',
      callId: null,
      inDoubt: true,
      error: { reason: 'outcome_unknown' },
    });
    expect(provider.placed).toHaveLength(1);
    clock.advanceSync(55_000);
    await settle(clock);
    expect(dialer.snapshot().entries[0]).toMatchObject({ status: 'failed', inDoubt: false });
    expect(finished).toEqual([
      { status: 'failed', callId: null, inDoubt: true },
      { status: 'failed', callId: null, inDoubt: false },
    ]);
    expect(provider.placed.map((call) => call.to)).toEqual(NUMBERS.slice(0, 2));
  });

  it('cannot tell apart the calls of two placements in doubt, and waits for their timeouts', async () => {
    const { dialer, provider, clock } = setup({
      numbers: NUMBERS.slice(0, 2),
      concurrency: 2,
      callTimeoutMs: 10_000,
    });
    dialer.start();
    await settle(clock);
    provider.placed[0]?.fail(timeout());
    provider.placed[1]?.fail(timeout());
    await flush();
    dialer.handleStatus(statusEvent('p-9', 'completed'));
    await settle(clock);
    expect(dialer.snapshot().entries.map((e) => [e.status, e.inDoubt])).toEqual([
      ['failed', true],
      ['failed', true],
    ]);
    clock.advanceSync(10_000);
    await settle(clock);
    expect(dialer.snapshot()).toMatchObject({ state: 'done' });
    expect(dialer.snapshot().entries.map((e) => e.callId)).toEqual([null, null]);
  });
});

describe('an answer that arrives after the end', () => {
  it('sets answeredAt from a late answered event without moving the status back', async () => {
    const { dialer, provider, clock } = setup({ numbers: NUMBERS.slice(0, 1) });
    const finished: Array<Date | null> = [];
    dialer.on('finished', (e) => finished.push(e.answeredAt));
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('p-1');
    await flush();
    clock.advanceSync(30_000);
    await settle(clock);
    dialer.handleStatus(statusEvent('p-1', 'completed'));
    await settle(clock);
    dialer.handleStatus({ ...statusEvent('p-1', 'answered'), at: new Date(clock.now() - 20_000) });
    await settle(clock);
    dialer.handleStatus({ ...statusEvent('p-1', 'answered'), at: new Date(clock.now() - 1_000) });
    await settle(clock);
    const entry = dialer.snapshot().entries[0];
    expect(entry).toMatchObject({
      status: 'completed',
      answeredAt: new Date(clock.now() - 20_000),
    });
    expect(finished).toEqual([null, new Date(clock.now() - 20_000)]);
  });

  it('keeps the answer time it told, whatever a later event says of it', async () => {
    const { dialer, provider, clock } = setup({ numbers: NUMBERS.slice(0, 1) });
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('p-1');
    await flush();
    const answered = clock.now();
    clock.advanceSync(10_000);
    await settle(clock);
    dialer.handleStatus({ ...statusEvent('p-1', 'answered'), at: new Date(answered + 10_000) });
    await settle(clock);
    clock.advanceSync(30_000);
    await settle(clock);
    dialer.handleStatus({ ...statusEvent('p-1', 'completed'), at: new Date(clock.now()) });
    await settle(clock);
    expect(dialer.snapshot().entries[0]?.answeredAt).toEqual(new Date(answered + 10_000));
    // A repeat that claims an earlier answer: what was told stays true.
    dialer.handleStatus({ ...statusEvent('p-1', 'answered'), at: new Date(answered) });
    await settle(clock);
    expect(dialer.snapshot().entries[0]).toMatchObject({
      status: 'completed',
      answeredAt: new Date(answered + 10_000),
    });
  });
});
