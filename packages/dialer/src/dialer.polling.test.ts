import { HttpError, type CallStatus } from '@ringkit/call-client';
import { describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '@ringkit/call-client/testing';
import { manualProvider, flush, providerCall, T0, settle } from '../test/utils.js';
import { createDialer } from './dialer.js';
import type { DialerEvents } from './types.js';

const NUMBERS = ['+14155552671', '+13018040009', '+12025550123'];

function setup(getCall: (id: string) => Promise<ReturnType<typeof providerCall>>) {
  const provider = manualProvider({ follow: 'polling', getCall: vi.fn(getCall) });
  const clock = createFakeClock(T0);
  const dialer = createDialer({
    provider,
    numbers: NUMBERS,
    clock,
    concurrency: 2,
    watchIntervalMs: 100,
  });
  const errors: DialerEvents['error'][] = [];
  dialer.on('error', (event) => errors.push(event));
  return { provider, clock, dialer, errors };
}

describe('a polling provider', () => {
  it.each([['watchIntervalMs', { watchIntervalMs: 250 }]])(
    'polls every %s, the first time one interval after the placement',
    async (_, interval) => {
      const provider = manualProvider({
        follow: 'polling',
        getCall: vi.fn(async (id: string) => providerCall(id, 'ringing')),
      });
      const clock = createFakeClock(T0);
      const dialer = createDialer({ provider, numbers: NUMBERS.slice(0, 1), clock, ...interval });
      dialer.start();
      await flush();
      provider.placed[0]?.answer('a');
      await flush();
      // The placement's answer was the call's status: no poll right after it.
      expect(provider.getCall).toHaveBeenCalledTimes(0);
      clock.advanceSync(249);
      await settle(clock);
      await flush();
      expect(provider.getCall).toHaveBeenCalledTimes(0);
      clock.advanceSync(1);
      await settle(clock);
      await flush();
      expect(provider.getCall).toHaveBeenCalledTimes(1);
      clock.advanceSync(249);
      await settle(clock);
      await flush();
      expect(provider.getCall).toHaveBeenCalledTimes(1);
      clock.advanceSync(1);
      await settle(clock);
      await flush();
      expect(provider.getCall).toHaveBeenCalledTimes(2);
      dialer.stop();
    },
  );

  it('follows each call with getCall until it ends, then dials the next number', async () => {
    const statuses = new Map<string, CallStatus>();
    const { dialer, provider, clock } = setup(async (id) =>
      providerCall(id, statuses.get(id) ?? 'initiated'),
    );
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('a');
    provider.placed[1]?.answer('b');
    await flush();
    expect(provider.getCall).toHaveBeenCalledTimes(0);
    statuses.set('a', 'ringing');
    clock.advanceSync(100);
    await settle(clock);
    await flush();
    expect(dialer.snapshot().entries[0]?.status).toBe('ringing');
    statuses.set('a', 'answered');
    statuses.set('b', 'busy');
    clock.advanceSync(100);
    await settle(clock);
    await flush();
    expect(dialer.snapshot().entries.map((entry) => entry.status)).toEqual([
      'answered',
      'busy',
      'dialing',
    ]);
    statuses.set('a', 'completed');
    clock.advanceSync(100);
    await settle(clock);
    await flush();
    expect(dialer.snapshot().entries[0]?.status).toBe('completed');
    const polls = vi.mocked(provider.getCall!).mock.calls.filter(([id]) => id === 'a').length;
    clock.advanceSync(1000);
    await settle(clock);
    await flush();
    expect(vi.mocked(provider.getCall!).mock.calls.filter(([id]) => id === 'a')).toHaveLength(
      polls,
    );
  });

  it('stops polling a call whose webhook-fed status ended it first', async () => {
    const { dialer, provider, clock } = setup(async (id) => providerCall(id, 'ringing'));
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('a');
    await flush();
    dialer.handleStatus({
      callId: 'a',
      status: 'completed',
      providerStatus: 'completed',
      at: new Date(),
    });
    await flush();
    const pollsOfA = () => vi.mocked(provider.getCall!).mock.calls.filter(([id]) => id === 'a');
    const before = pollsOfA().length;
    clock.advanceSync(500);
    await settle(clock);
    await flush();
    expect(pollsOfA()).toHaveLength(before);
  });

  it('fails the entry with reason watch_failed when polling fails for good', async () => {
    const gone = new HttpError({
      status: 404,
      request: { method: 'GET', url: 'http://provider.test/api/call/a' },
      body: { error: 'not found' },
      headers: new Headers(),
      attempts: 1,
    });
    const { dialer, provider, clock, errors } = setup(async () => {
      throw gone;
    });
    dialer.start();
    await settle(clock);
    provider.placed[0]?.answer('a');
    await flush();
    expect(dialer.snapshot().entries[0]?.status).toBe('initiated');
    clock.advanceSync(100);
    await settle(clock);
    await flush();
    const entry = dialer.snapshot().entries[0];
    expect(entry?.status).toBe('failed');
    expect(entry?.error).toMatchObject({ reason: 'watch_failed', cause: gone, callId: 'a' });
    expect(errors).toContainEqual({ error: gone, source: 'watch', index: 0 });
    expect(provider.placed).toHaveLength(3);
  });

  it('is not polled when the provider also sends webhooks', async () => {
    const provider = manualProvider({
      getCall: vi.fn(async (id: string) => providerCall(id, 'ringing')),
    });
    const dialer = createDialer({ provider, numbers: NUMBERS, clock: createFakeClock(T0) });
    dialer.start();
    await flush();
    provider.placed[0]?.answer('a');
    await flush();
    expect(provider.getCall).not.toHaveBeenCalled();
  });
});
