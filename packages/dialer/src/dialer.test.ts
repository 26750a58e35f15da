import { describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '@ringkit/call-client/testing';
import { manualProvider, flush, statusEvent, T0 } from '../test/utils.js';
import type { FakeProvider } from '@ringkit/simulator';
import { createDialer } from './dialer.js';
import type { Dialer, DialerEvents, DialerOptions } from './types.js';

const NUMBERS = ['+14155552671', '+13018040009', '+12025550123', '+12125550101', '+12025550100'];

function setup(options: Partial<DialerOptions> = {}) {
  const provider = manualProvider();
  const clock = createFakeClock(T0);
  const dialer = createDialer({ provider, numbers: NUMBERS, clock, ...options });
  return { provider, clock, dialer };
}

/** The statuses entry `index` moves through, as its `status` events say. */
function statusesOf(dialer: Dialer, index: number): string[] {
  const moves: string[] = [];
  dialer.on('status', (event) => {
    if (event.index === index) moves.push(event.status);
  });
  return moves;
}

/** Answers POST `n` with id `c<n>`. */
async function answer(provider: FakeProvider, ...indexes: number[]) {
  for (const index of indexes) provider.placed[index]?.answer(`c${index}`);
  await flush();
}

describe('createDialer', () => {
  it('starts idle with every entry idle and nothing dialed', () => {
    const { dialer, provider } = setup();
    const snapshot = dialer.snapshot();
    expect(snapshot).toMatchObject({ state: 'idle', concurrency: 3, stopped: false });
    expect(snapshot.entries).toHaveLength(5);
    expect(snapshot.entries[0]).toEqual({
      index: 0,
      phone: '+14155552671',
      status: 'idle',
      callId: null,
      attempts: 0,
      startedAt: null,
      endedAt: null,
      answeredAt: null,
      answeredBy: null,
      inDoubt: false,
    });
    expect(provider.placed).toHaveLength(0);
  });

  it('normalises every number to E.164 with the default country', () => {
    const provider = manualProvider();
    const dialer = createDialer({ provider, numbers: ['13018040009', '(415) 555-2671'] });
    expect(dialer.snapshot().entries.map((entry) => entry.phone)).toEqual([
      '+13018040009',
      '+14155552671',
    ]);
  });

  it('places the first three calls in list order on start', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    expect(provider.placed.map((call) => call.to)).toEqual(NUMBERS.slice(0, 3));
    const { state, entries } = dialer.snapshot();
    expect(state).toBe('running');
    expect(entries.map((entry) => entry.status)).toEqual([
      'dialing',
      'dialing',
      'dialing',
      'idle',
      'idle',
    ]);
    expect(entries[0]?.attempts).toBe(1);
    expect(entries[0]?.startedAt).toEqual(new Date(1_700_000_000_000));
  });

  it('dials the next number as soon as a call completes, with no timer between', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    await answer(provider, 0, 1, 2);
    expect(provider.placed).toHaveLength(3);
    expect(dialer.handleStatus(statusEvent('c1', 'completed'))).toBeUndefined();
    // The fake clock never moves: the end written, the next call leaves at once.
    await flush();
    expect(provider.placed).toHaveLength(4);
    expect(provider.placed[3]?.to).toBe(NUMBERS[3]);
  });

  it('moves an entry forward through initiated, ringing, answered and completed', async () => {
    const { dialer, provider } = setup();
    const statuses: string[] = [];
    dialer.on('status', (event) => {
      if (event.index === 0) statuses.push(`${event.previous}>${event.status}`);
    });
    dialer.start();
    await flush();
    await answer(provider, 0);
    dialer.handleStatus(statusEvent('c0', 'ringing'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'answered'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    expect(statuses).toEqual([
      'idle>dialing',
      'dialing>initiated',
      'initiated>ringing',
      'ringing>answered',
      'answered>completed',
    ]);
    expect(dialer.snapshot().entries[0]).toMatchObject({
      status: 'completed',
      callId: 'c0',
      endedAt: new Date(1_700_000_000_000),
    });
  });

  it('never moves a status back on repeated or late webhooks', async () => {
    const { dialer, provider } = setup();
    const moves = statusesOf(dialer, 0);
    dialer.start();
    await flush();
    await answer(provider, 0);
    dialer.handleStatus(statusEvent('c0', 'answered'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'answered'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'ringing'));
    await flush();
    expect(dialer.snapshot().entries[0]?.status).toBe('answered');
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'busy'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'answered'));
    await flush();
    expect(dialer.snapshot().entries[0]?.status).toBe('completed');
    expect(moves).toEqual(['dialing', 'initiated', 'answered', 'completed']);
  });

  it('takes the status the POST answers with when it is ahead of initiated', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    provider.placed[0]?.answer('c0', 'ringing', { providerStatus: 'ringing' });
    provider.placed[1]?.answer('c1', 'queued', { providerStatus: 'queued' });
    await flush();
    const [first, second] = dialer.snapshot().entries;
    expect(first?.status).toBe('ringing');
    expect(second?.status).toBe('initiated');
  });

  it('buffers a webhook that arrives before its POST answers and applies it afterwards', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    dialer.handleStatus(statusEvent('c0', 'answered'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'ringing'));
    await flush();
    expect(dialer.snapshot().entries[0]?.status).toBe('dialing');
    await answer(provider, 0);
    expect(dialer.snapshot().entries[0]?.status).toBe('answered');
  });

  it('applies early webhooks when the POST that answers is the only one pending', async () => {
    const { dialer, provider } = setup({ numbers: NUMBERS.slice(0, 1) });
    dialer.start();
    await flush();
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'ringing'));
    await flush();
    await answer(provider, 0);
    expect(dialer.snapshot()).toMatchObject({ state: 'done', entries: [{ status: 'completed' }] });
  });

  it('finishes an entry whose terminal webhook beat its POST, and refills the slot', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    dialer.handleStatus(statusEvent('c2', 'completed'));
    await flush();
    await answer(provider, 2);
    expect(dialer.snapshot().entries[2]?.status).toBe('completed');
    expect(provider.placed).toHaveLength(4);
  });

  it('keeps an event of an id no POST gave yet, for the call whose POST answers with it', async () => {
    const { dialer, provider } = setup({ numbers: NUMBERS.slice(0, 2), concurrency: 1 });
    dialer.start();
    await flush();
    dialer.handleStatus(statusEvent('c1', 'completed'));
    await flush();
    await answer(provider, 0);
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    expect(dialer.snapshot().entries[1]?.status).toBe('dialing');
    await answer(provider, 1);
    await flush();
    expect(dialer.snapshot().entries[1]?.status).toBe('completed');
  });

  it('keeps at most maxEarlyEvents early events, dropping the oldest', async () => {
    const { dialer, provider } = setup({ maxEarlyEvents: 1 });
    dialer.start();
    await flush();
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('c1', 'ringing'));
    await flush();
    await answer(provider, 0, 1);
    expect(
      dialer
        .snapshot()
        .entries.map((entry) => entry.status)
        .slice(0, 2),
    ).toEqual(['initiated', 'ringing']);
  });

  it('keeps no early event when maxEarlyEvents is 0', async () => {
    const { dialer, provider } = setup({ maxEarlyEvents: 0 });
    dialer.start();
    await flush();
    dialer.handleStatus(statusEvent('c0', 'ringing'));
    await flush();
    await answer(provider, 0);
    expect(dialer.snapshot().entries[0]?.status).toBe('initiated');
  });

  it('ignores events for unknown ids when no POST is pending, and after it is done', async () => {
    const { dialer, provider } = setup({ numbers: NUMBERS.slice(0, 1) });
    const moves = statusesOf(dialer, 0);
    const errors = vi.fn();
    dialer.on('error', errors);
    dialer.handleStatus(statusEvent('nobody', 'completed'));
    await flush();
    dialer.start();
    await flush();
    await answer(provider, 0);
    dialer.handleStatus(statusEvent('nobody', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    expect(dialer.snapshot().state).toBe('done');
    dialer.handleStatus(statusEvent('c0', 'failed'));
    await flush();
    dialer.handleStatus(statusEvent('nobody', 'ringing'));
    await flush();
    expect(moves).toEqual(['dialing', 'initiated', 'completed']);
    expect(errors).not.toHaveBeenCalled();
  });

  it('accepts a numeric call id in an event', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    provider.placed[0]?.answer('2345');
    await flush();
    const event = { ...statusEvent('x', 'ringing'), callId: 2345 as unknown as string };
    dialer.handleStatus(event);
    await flush();
    expect(dialer.snapshot().entries[0]?.status).toBe('ringing');
  });

  it('reports a malformed event as an error and ignores it', async () => {
    const { dialer } = setup();
    const errors: DialerEvents['error'][] = [];
    dialer.on('error', (event) => errors.push(event));
    dialer.start();
    await flush();
    dialer.handleStatus({ callId: 'c0', status: 'dancing' } as never);
    await flush();
    dialer.handleStatus(null as never);
    await flush();
    dialer.handleStatus({ callId: '', status: 'ringing' } as never);
    await flush();
    expect(errors).toHaveLength(3);
    expect(errors[0]?.source).toBe('handle_status');
    expect(errors[0]?.error).toBeInstanceOf(TypeError);
  });

  it('dials a number listed twice once per occurrence, each as its own entry', async () => {
    const provider = manualProvider();
    const numbers = ['+13018040009', '+13018040009', '+13018040009'];
    const dialer = createDialer({ provider, numbers, concurrency: 2 });
    dialer.start();
    await flush();
    await answer(provider, 0, 1);
    dialer.handleStatus(statusEvent('c1', 'busy'));
    await flush();
    await answer(provider, 2);
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('c2', 'no-answer'));
    await flush();
    expect(provider.placed.map((call) => call.to)).toEqual(numbers);
    const entries = dialer.snapshot().entries;
    expect(entries.map((entry) => [entry.callId, entry.status])).toEqual([
      ['c0', 'completed'],
      ['c1', 'busy'],
      ['c2', 'no-answer'],
    ]);
  });

  it('drains at once for an empty list and ends done', async () => {
    const provider = manualProvider();
    const dialer = createDialer({ provider, numbers: [] });
    const drained = vi.fn();
    dialer.on('drained', drained);
    dialer.start();
    await flush();
    expect(drained).toHaveBeenCalledTimes(1);
    expect(drained.mock.calls[0]?.[0]).toMatchObject({ total: 0 });
    expect(dialer.snapshot()).toMatchObject({ state: 'done', entries: [] });
    expect(provider.placed).toHaveLength(0);
  });

  it('dials the whole list at once when the concurrency is larger than the list', async () => {
    const { dialer, provider } = setup({ concurrency: 50 });
    dialer.start();
    await flush();
    expect(provider.placed).toHaveLength(5);
  });

  it('keeps exactly the concurrency in flight until the list runs out, then drains once', async () => {
    const { dialer, provider } = setup({ concurrency: 2 });
    const drained = vi.fn();
    dialer.on('drained', drained);
    dialer.start();
    await flush();
    for (let index = 0; index < NUMBERS.length; index += 1) {
      await answer(provider, index);
      const inFlight = dialer.snapshot().entries.filter((e) => e.endedAt === null && e.attempts);
      expect(inFlight.length).toBe(Math.min(2, NUMBERS.length - index));
      dialer.handleStatus(statusEvent(`c${index}`, 'completed'));
      await flush();
    }
    expect(drained).toHaveBeenCalledTimes(1);
    expect(dialer.snapshot().state).toBe('done');
    expect(provider.placed).toHaveLength(5);
  });
});
