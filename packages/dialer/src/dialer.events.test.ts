import { describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '@ringkit/call-client/testing';
import { manualProvider, flush, statusEvent, T0, settle } from '../test/utils.js';
import { createDialer } from './dialer.js';
import type { DialerEvents } from './types.js';

const NUMBERS = ['+14155552671', '+13018040009'];

function setup() {
  const provider = manualProvider();
  const clock = createFakeClock(T0);
  const dialer = createDialer({ provider, numbers: NUMBERS, clock, concurrency: 1 });
  const log: string[] = [];
  dialer.on('*', (type, event) => {
    const { index, status } = event as { index?: number; status?: string };
    log.push([type, index, status].filter((part) => part !== undefined).join(' '));
  });
  return { provider, clock, dialer, log };
}

describe('events', () => {
  it('emits dialing, placement, status, finished, progress and drained in order', async () => {
    const { dialer, provider, log } = setup();
    dialer.start();
    await flush();
    provider.placed[0]?.answer('a');
    await flush();
    dialer.handleStatus(statusEvent('a', 'completed'));
    await flush();
    provider.placed[1]?.answer('b');
    await flush();
    dialer.handleStatus(statusEvent('b', 'busy'));
    await flush();
    expect(log).toEqual([
      'dialing 0',
      'status 0 dialing',
      'progress',
      'status 0 initiated',
      'progress',
      'placement 0',
      'status 0 completed',
      'finished 0 completed',
      'progress',
      'dialing 1',
      'status 1 dialing',
      'progress',
      'status 1 initiated',
      'progress',
      'placement 1',
      'status 1 busy',
      'finished 1 busy',
      'progress',
      'drained',
    ]);
  });

  it('carries what a listener needs in each event', async () => {
    const { dialer, provider, clock } = setup();
    const seen = {
      dialing: [] as DialerEvents['dialing'][],
      status: [] as DialerEvents['status'][],
      finished: [] as DialerEvents['finished'][],
      progress: [] as DialerEvents['progress'][],
      drained: [] as DialerEvents['drained'][],
    };
    dialer.on('dialing', (event) => seen.dialing.push(event));
    dialer.on('status', (event) => seen.status.push(event));
    dialer.on('finished', (event) => seen.finished.push(event));
    dialer.on('progress', (event) => seen.progress.push(event));
    dialer.on('drained', (event) => seen.drained.push(event));
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('a', 'ringing', { providerStatus: 'Ringing' });
    await flush();
    clock.advanceSync(5);
    await settle(clock);
    dialer.handleStatus({ ...statusEvent('a', 'answered'), providerStatus: 'connected' });
    await settle(clock);
    expect(seen.dialing[0]).toEqual({
      index: 0,
      phone: NUMBERS[0],
      attempt: 1,
      at: new Date(clock.now() - 5),
    });
    // The placement's answer is the call's first steps: `initiated`, then the status it
    // answered with, each told.
    expect(seen.status[1]).toMatchObject({
      index: 0,
      status: 'initiated',
      previous: 'dialing',
      callId: 'a',
      willRetry: false,
    });
    expect(seen.status[2]).toMatchObject({
      index: 0,
      status: 'ringing',
      previous: 'initiated',
      callId: 'a',
      providerStatus: 'Ringing',
      willRetry: false,
    });
    expect(seen.status[3]).toMatchObject({
      providerStatus: 'connected',
      at: new Date(clock.now()),
    });
    expect(seen.progress.at(-1)).toEqual({
      total: 2,
      ended: 0,
      inFlight: 1,
      counts: {
        idle: 1,
        dialing: 0,
        initiated: 0,
        ringing: 0,
        answered: 1,
        completed: 0,
        busy: 0,
        'no-answer': 0,
        failed: 0,
        canceled: 0,
        suppressed: 0,
      },
    });
    dialer.stop();
    await settle(clock);
    dialer.handleStatus(statusEvent('a', 'completed'));
    await settle(clock);
    expect(seen.finished.map((entry) => [entry.index, entry.status])).toEqual([
      [1, 'canceled'],
      [0, 'completed'],
    ]);
    expect(seen.drained).toEqual([
      {
        total: 2,
        counts: expect.objectContaining({ completed: 1, canceled: 1 }),
        at: new Date(clock.now()),
      },
    ]);
  });

  it('keeps dialing when a listener throws, and reports it as an error event', async () => {
    const { dialer, provider } = setup();
    const boom = new Error('listener bug');
    const errors: DialerEvents['error'][] = [];
    dialer.on('status', () => {
      throw boom;
    });
    const after = vi.fn();
    dialer.on('status', after);
    dialer.on('error', (event) => errors.push(event));
    dialer.start();
    await flush();
    provider.placed[0]?.answer('a');
    await flush();
    dialer.handleStatus(statusEvent('a', 'completed'));
    await flush();
    expect(provider.placed).toHaveLength(2);
    expect(after).toHaveBeenCalledTimes(4);
    expect(errors[0]).toEqual({ error: boom, source: 'listener', event: 'status' });
    expect(errors).toHaveLength(4);
  });

  it('survives an error listener that throws', async () => {
    const { dialer, provider } = setup();
    dialer.on('dialing', () => {
      throw new Error('first');
    });
    dialer.on('error', () => {
      throw new Error('second');
    });
    dialer.start();
    await flush();
    provider.placed[0]?.answer('a');
    await flush();
    dialer.handleStatus(statusEvent('a', 'completed'));
    await flush();
    expect(dialer.snapshot().entries[0]?.status).toBe('completed');
    expect(provider.placed).toHaveLength(2);
  });

  it('stops calling a listener after off', async () => {
    const { dialer, provider } = setup();
    const listener = vi.fn();
    dialer.on('status', listener);
    dialer.start();
    await flush();
    dialer.off('status', listener);
    provider.placed[0]?.answer('a');
    await flush();
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('places no call after a listener told that a call ended stops the dialer', async () => {
    const { dialer, provider } = setup();
    const seen: string[] = [];
    dialer.on('finished', (entry) => {
      seen.push(`${entry.index} ${entry.status}, calls placed: ${provider.placed.length}`);
      dialer.stop();
    });
    dialer.start();
    await flush();
    provider.placed[0]?.answer('a');
    await flush();
    dialer.handleStatus(statusEvent('a', 'completed'));
    await flush();
    // The next entry, claimed as the call ended, is not sent: it ends with the list.
    expect(seen).toEqual(['0 completed, calls placed: 1', '1 canceled, calls placed: 1']);
    expect(provider.placed).toHaveLength(1);
    expect(dialer.snapshot()).toMatchObject({ state: 'done', stopped: true });
  });

  it('serialises a snapshot with the error message kept', async () => {
    const { dialer, provider } = setup();
    dialer.start();
    await flush();
    provider.placed[0]?.fail(new Error('down'));
    await flush();
    const json = JSON.parse(JSON.stringify(dialer.snapshot()));
    expect(json.entries[0].error).toMatchObject({
      name: 'DialAttemptError',
      code: 'dial_failed',
      reason: 'outcome_unknown',
      message: 'The call may or may not have been placed',
    });
    // What the engine saw is the error's cause, in this process.
    expect(dialer.snapshot().entries[0]?.error?.cause).toMatchObject({ message: 'down' });
  });
});
