import { type Clock } from '@ringkit/call-client';
import { MAX_TIMER_MS } from '@ringkit/internal';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createFakeProvider } from '@ringkit/simulator';
import { createScheduler } from './scheduler.js';
import { createFakeClock } from '@ringkit/call-client/testing';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const DAY = 86_400_000;

/** A fake clock whose timers overflow as Node's do: a delay past the maximum fires after 1 ms. */
function overflowingClock() {
  const inner = createFakeClock(T0);
  const delays: number[] = [];
  const clock: Clock & { advance: (ms: number) => Promise<void> } = {
    now: () => inner.now(),
    clearTimeout: (handle) => inner.clearTimeout(handle),
    setTimeout(callback, ms) {
      delays.push(ms);
      return inner.setTimeout(callback, ms > MAX_TIMER_MS ? 1 : ms);
    },
    advance: (ms) => inner.advance(ms),
  };
  return { clock, delays };
}

describe('timers', () => {
  it('waits for a call due in more than 24.8 days without arming a timer Node would overflow', async () => {
    const { clock, delays } = overflowingClock();
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const scheduler = createScheduler({
      store: createMemoryStore(),
      provider,
      clock,
      callerId: '+14155550100',
      recheckIntervalMs: 0,
      callTimeoutMs: 60_000,
    });
    await scheduler.start();
    await scheduler.schedule({ to: '+14155552671', at: new Date(T0 + 40 * DAY) });
    const armed = delays.length;
    await clock.advance(1_000);
    expect(delays.length - armed).toBeLessThan(5); // no 1 ms timer re-armed over and over
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS);

    // The clamped wake fires after 24.8 days, finds nothing due, and waits again; the call is
    // placed on time.
    await clock.advance(40 * DAY - 1_000);
    expect(provider.placed).toEqual([expect.objectContaining({ at: new Date(T0 + 40 * DAY) })]);
    await scheduler.stop();
  });
});
