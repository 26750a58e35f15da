import { describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '@ringkit/call-client/testing';
import { manualProvider, flush, statusEvent, T0 } from '../test/utils.js';
import { createDialer } from './dialer.js';
import { InvalidOptionsError } from '@ringkit/call-client';
import { DialerStateError, isDialerStateError } from './errors.js';
import type { DialerOptions } from './types.js';

const NUMBERS = ['+14155552671', '+13018040009', '+12025550123', '+12125550101', '+12025550100'];

function setup(options: Partial<DialerOptions> = {}) {
  const provider = manualProvider();
  const dialer = createDialer({
    provider,
    numbers: NUMBERS,
    clock: createFakeClock(T0),
    ...options,
  });
  return { provider, dialer };
}

async function answerAll(provider: ReturnType<typeof manualProvider>) {
  provider.placed.forEach((call, index) => call.answer(`c${index}`));
  await flush();
}

describe('start', () => {
  it('refuses a second start with a DialerStateError', async () => {
    const { dialer } = setup();
    dialer.start();
    await flush();
    let caught: unknown;
    try {
      dialer.start();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DialerStateError);
    expect(isDialerStateError(caught)).toBe(true);
    expect(caught).toMatchObject({ action: 'start', state: 'running', code: 'invalid_state' });
    expect((caught as Error).message).toBe(
      'Cannot start(): the dialer has already started (running)',
    );
  });

  it('refuses to start after stop', async () => {
    const { dialer } = setup();
    dialer.stop();
    await flush();
    expect(() => dialer.start()).toThrow(DialerStateError);
  });
});

describe('pause and resume', () => {
  it('places no new call while paused, lets calls in flight finish, and refills on resume', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    await answerAll(provider);
    dialer.pause();
    await flush();
    expect(dialer.snapshot().state).toBe('paused');
    dialer.handleStatus(statusEvent('c0', 'ringing'));
    await flush();
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('c1', 'completed'));
    await flush();
    expect(provider.placed).toHaveLength(3);
    expect(dialer.snapshot().entries[1]?.status).toBe('completed');
    dialer.resume();
    await flush();
    expect(dialer.snapshot().state).toBe('running');
    expect(provider.placed.map((call) => call.to)).toEqual(NUMBERS);
  });

  it('ends done when the last call ends while paused', async () => {
    const { dialer, provider } = setup({ numbers: NUMBERS.slice(0, 2) });
    const drained = vi.fn();
    dialer.on('drained', drained);
    dialer.start();
    await flush();
    await answerAll(provider);
    dialer.pause();
    await flush();
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('c1', 'failed'));
    await flush();
    expect(dialer.snapshot().state).toBe('done');
    expect(drained).toHaveBeenCalledTimes(1);
  });

  it('holds a new attempt while paused and places it first on resume', async () => {
    const { dialer, provider } = setup({ maxAttempts: 2 });
    dialer.start();
    await flush();
    await answerAll(provider);
    dialer.pause();
    await flush();
    dialer.handleStatus(statusEvent('c1', 'no-answer'));
    await flush();
    expect(dialer.snapshot().entries[1]).toMatchObject({ status: 'no-answer', endedAt: null });
    expect(provider.placed).toHaveLength(3);
    dialer.resume();
    await flush();
    expect(provider.placed.map((call) => call.to).slice(3)).toEqual([NUMBERS[1]]);
    expect(dialer.snapshot().entries[1]).toMatchObject({ status: 'dialing', attempts: 2 });
  });

  it('is idempotent: pause twice, resume while running', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    dialer.resume();
    await flush();
    dialer.pause();
    await flush();
    dialer.pause();
    await flush();
    expect(dialer.snapshot().state).toBe('paused');
    dialer.resume();
    await flush();
    expect(provider.placed).toHaveLength(3);
  });

  it('refuses pause and resume before start, and resume after stop', async () => {
    const { dialer } = setup();
    expect(() => dialer.pause()).toThrow(/Cannot pause\(\): the dialer has not started/);
    expect(() => dialer.resume()).toThrow(DialerStateError);
    dialer.start();
    await flush();
    dialer.stop();
    await flush();
    expect(() => dialer.resume()).toThrow(/Cannot resume\(\): the dialer was stopped/);
  });
});

describe('stop', () => {
  it('cancels entries not dialed and follows calls in flight to their end', async () => {
    const { dialer, provider } = setup();
    const finished: string[] = [];
    const drained = vi.fn();
    dialer.on('finished', (entry) => finished.push(`${entry.index}:${entry.status}`));
    dialer.on('drained', drained);
    dialer.start();
    await flush();
    await answerAll(provider);
    dialer.stop();
    await flush();
    expect(finished).toEqual(['3:canceled', '4:canceled']);
    expect(dialer.snapshot()).toMatchObject({ state: 'paused', stopped: true });
    expect(drained).not.toHaveBeenCalled();
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('c1', 'busy'));
    await flush();
    expect(provider.placed).toHaveLength(3);
    dialer.handleStatus(statusEvent('c2', 'answered'));
    await flush();
    dialer.handleStatus(statusEvent('c2', 'completed'));
    await flush();
    expect(drained).toHaveBeenCalledTimes(1);
    const { state, entries } = dialer.snapshot();
    expect(state).toBe('done');
    expect(entries.map((entry) => entry.status)).toEqual([
      'completed',
      'busy',
      'completed',
      'canceled',
      'canceled',
    ]);
    expect(entries[3]?.attempts).toBe(0);
  });

  it('cancels every entry and drains when stopped before start', async () => {
    const { dialer, provider } = setup();
    const drained = vi.fn();
    dialer.on('drained', drained);
    dialer.stop();
    await flush();
    dialer.stop();
    await flush();
    expect(drained).toHaveBeenCalledTimes(1);
    expect(drained.mock.calls[0]?.[0].counts.canceled).toBe(5);
    expect(dialer.snapshot().state).toBe('done');
    expect(provider.placed).toHaveLength(0);
  });

  it('does nothing once the dialer is done', async () => {
    const { dialer, provider } = setup({ numbers: NUMBERS.slice(0, 1) });
    dialer.start();
    await flush();
    await answerAll(provider);
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    dialer.stop();
    await flush();
    expect(dialer.snapshot()).toMatchObject({ state: 'done', stopped: false });
  });

  it('ends an entry waiting for its next attempt with its last outcome', async () => {
    const { dialer, provider } = setup({ numbers: NUMBERS.slice(0, 1), maxAttempts: 3 });
    dialer.start();
    await flush();
    await answerAll(provider);
    dialer.pause();
    await flush();
    dialer.handleStatus(statusEvent('c0', 'busy'));
    await flush();
    expect(dialer.snapshot().entries[0]).toMatchObject({ status: 'busy', endedAt: null });
    dialer.stop();
    await flush();
    expect(dialer.snapshot().entries[0]).toMatchObject({ status: 'busy', attempts: 1 });
    expect(dialer.snapshot().state).toBe('done');
  });
});

describe('setConcurrency', () => {
  it('dials more at once when raised', async () => {
    const { dialer, provider } = setup({ concurrency: 1 });
    dialer.start();
    await flush();
    expect(provider.placed).toHaveLength(1);
    dialer.setConcurrency(4);
    await flush();
    expect(provider.placed).toHaveLength(4);
    expect(dialer.snapshot().concurrency).toBe(4);
  });

  it('places no new call when lowered until the calls in flight fall below it', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    await answerAll(provider);
    dialer.setConcurrency(1);
    await flush();
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    dialer.handleStatus(statusEvent('c1', 'completed'));
    await flush();
    expect(provider.placed).toHaveLength(3);
    dialer.handleStatus(statusEvent('c2', 'completed'));
    await flush();
    expect(provider.placed).toHaveLength(4);
  });

  it('may be set before start', async () => {
    const { dialer, provider } = setup();
    dialer.setConcurrency(2);
    await flush();
    dialer.start();
    await flush();
    expect(provider.placed).toHaveLength(2);
  });

  it.each([0, -1, 1.5, Number.NaN, '3' as unknown as number])(
    'refuses %s with an InvalidOptionsError',
    (value) => {
      const { dialer } = setup();
      expect(() => dialer.setConcurrency(value)).toThrow(InvalidOptionsError);
      expect(() => dialer.setConcurrency(value)).toThrow(/Invalid setConcurrency options/);
      expect(dialer.snapshot().concurrency).toBe(3);
    },
  );
});

describe('snapshot', () => {
  it('is a copy: changing it changes nothing', async () => {
    const { dialer } = setup();
    dialer.start();
    await flush();
    const snapshot = dialer.snapshot();
    snapshot.entries[0]!.status = 'completed';
    snapshot.entries.pop();
    expect(dialer.snapshot().entries[0]?.status).toBe('dialing');
    expect(dialer.snapshot().entries).toHaveLength(5);
  });
});
