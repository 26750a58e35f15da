import { HttpError, type Clock } from '@ringkit/call-client';
import { MAX_TIMER_MS } from '@ringkit/internal';
import { describe, expect, it } from 'vitest';
import { manualProvider, flush, statusEvent } from '../test/utils.js';
import { createDialer } from './dialer.js';

const NUMBERS = ['+14155552671', '+13018040009', '+12025550123'];
const request = { method: 'POST', url: 'http://provider.test/call' };
const gatewayTimeout = () =>
  new HttpError({ status: 504, request, body: '', headers: new Headers(), attempts: 1 });

/**
 * A clock that behaves like Node's timers: a delay above {@link MAX_TIMER_MS} fires after 1 ms.
 * Its time can be set anywhere, backwards included (a wall clock corrected by NTP).
 */
function createNodeLikeClock(start = 1_700_000_000_000) {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const delays: number[] = [];
  const clock: Clock & {
    delays: number[];
    set(time: number): void;
    /** Runs the earliest timer if it is due; `false` when none is. */
    runDue(): boolean;
  } = {
    delays,
    now: () => now,
    setTimeout(callback, ms) {
      delays.push(ms);
      seq += 1;
      timers.set(seq, { at: now + (ms > MAX_TIMER_MS ? 1 : Math.max(1, ms)), callback });
      return seq;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    set(time) {
      now = time;
    },
    runDue() {
      let first: [number, { at: number; callback: () => void }] | undefined;
      for (const timer of timers) if (!first || timer[1].at < first[1].at) first = timer;
      if (!first || first[1].at > now) return false;
      timers.delete(first[0]);
      first[1].callback();
      return true;
    },
  };
  return clock;
}

describe('timers', () => {
  it('never arms a timer beyond MAX_TIMER_MS, even after the clock stepped back, and holds a slot in doubt to its real deadline', async () => {
    const clock = createNodeLikeClock();
    const provider = manualProvider();
    const dialer = createDialer({
      provider,
      numbers: NUMBERS.slice(0, 2),
      concurrency: 1,
      callTimeoutMs: MAX_TIMER_MS,
      clock,
    });
    dialer.on('error', () => {});
    const start = clock.now();
    dialer.start();
    await flush();
    // The wall clock is set back an hour while the POST is on its way, which then fails with an
    // outcome unknown: the slot is held until MAX_TIMER_MS after the POST, an hour further away
    // than a timer can wait.
    clock.set(start - 3_600_000);
    provider.placed[0]?.fail(gatewayTimeout());
    await flush();
    expect(dialer.snapshot().entries[0]).toMatchObject({ status: 'failed', inDoubt: true });
    /** Runs the timers due now, letting the store answer between them; how many ran. */
    const runDue = async () => {
      let turns = 0;
      while (turns < 50 && clock.runDue()) {
        turns += 1;
        await flush();
      }
      return turns;
    };
    // A wake-up before the deadline re-arms; it never frees the slot early.
    clock.set(start + MAX_TIMER_MS - 1);
    expect(await runDue()).toBeLessThan(50); // no spinning on timers that fire at once
    expect(dialer.snapshot().entries[0]?.inDoubt).toBe(true);
    expect(provider.placed).toHaveLength(1);
    // Once the real deadline passed, the slot is free and the next number is dialed.
    clock.set(start + MAX_TIMER_MS);
    expect(await runDue()).toBeLessThan(50);
    expect(clock.delays.every((ms) => ms <= MAX_TIMER_MS)).toBe(true);
    expect(dialer.snapshot().entries[0]?.inDoubt).toBe(false);
    expect(provider.placed.map((call) => call.to)).toEqual(NUMBERS.slice(0, 2));
  });
});

describe('deadline timer', () => {
  it('keeps one deadline timer across refills at concurrency 1: none is set or cleared per call', async () => {
    const clock = createNodeLikeClock();
    let cleared = 0;
    const counting: Clock = {
      now: () => clock.now(),
      setTimeout: (callback, ms) => clock.setTimeout(callback, ms),
      clearTimeout(handle) {
        cleared += 1;
        clock.clearTimeout(handle);
      },
    };
    const provider = manualProvider();
    const numbers = [...NUMBERS, ...NUMBERS];
    const dialer = createDialer({ provider, numbers, concurrency: 1, clock: counting });
    const drained = new Promise((resolve) => dialer.on('drained', resolve));
    dialer.start();
    await flush();
    for (let i = 0; i < numbers.length; i += 1) {
      provider.placed[i]?.answer(`call-${i}`);
      await flush();
      dialer.handleStatus(statusEvent(`call-${i}`, 'completed'));
      await flush();
    }
    await drained;
    expect(provider.placed.map((call) => call.to)).toEqual(numbers);
    // One timer for the first call's lease, set once on the clock and cleared once the run is
    // over: the engine's timers share it.
    expect(clock.delays).toHaveLength(1);
    expect(cleared).toBe(1);
  });
});
