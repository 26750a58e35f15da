import type { CallStatus } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { countingClock } from '@ringkit/internal/testing';
import { describe, expect, it, vi } from 'vitest';
import { manualProvider, flush, providerCall, T0 } from '../test/utils.js';
import { createDialer } from './dialer.js';

describe('a polling provider with many calls in flight', () => {
  it('follows 1,000 calls at once on a few timers, not one per call, and polls quiet calls less', async () => {
    const { clock, inner, stats } = countingClock(createFakeClock(T0));
    const N = 1000;
    /** Each call rings from 1 s after it was placed, is answered at 3 s and completes at 60 s. */
    const placedAt = new Map<string, number>();
    const polls = new Map<string, number>();
    const provider = manualProvider({
      follow: 'polling',
      async getCall(id) {
        polls.set(id, (polls.get(id) ?? 0) + 1);
        const age = clock.now() - placedAt.get(id)!;
        const status: CallStatus =
          age >= 60_000
            ? 'completed'
            : age >= 3000
              ? 'answered'
              : age >= 1000
                ? 'ringing'
                : 'initiated';
        return providerCall(id, status);
      },
    });
    const numbers = Array.from({ length: N }, (_, i) => `+1415555${String(1000 + i)}`);
    const dialer = createDialer({ provider, numbers, clock, concurrency: N });
    let drained = false;
    dialer.on('drained', () => (drained = true));
    dialer.start();
    // The list is written a slice at a time, then its calls placed: no timer involved.
    await vi.waitFor(() => expect(provider.placed).toHaveLength(N));
    provider.placed.forEach((call, i) => {
      placedAt.set(`c${i}`, clock.now());
      call.answer(`c${i}`);
    });
    await vi.waitFor(() =>
      expect(dialer.snapshot().entries.every((e) => e.status === 'initiated')).toBe(true),
    );
    await flush();
    await inner.advance(70_000);
    expect(drained).toBe(true);
    expect(dialer.snapshot().entries.every((entry) => entry.status === 'completed')).toBe(true);
    expect(stats.maxLive).toBeLessThanOrEqual(8);
    expect(stats.live()).toBe(0);
    // At a fixed 1 s a call would be polled about 60 times; a quiet one is polled less.
    for (const count of polls.values()) expect(count).toBeLessThan(25);
  });
});
