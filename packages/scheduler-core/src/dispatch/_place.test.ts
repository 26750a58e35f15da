/**
 * A paced call's last step (`onTurn`): the do-not-call list and the window, then its turn under
 * `callsPerSecond`, checked after whatever the list's read waited for. A turn gone by is given
 * up for a fresh one, and the list is read again after that wait too.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import type { LastCheck } from './_last-check.js';
import { LATE_LIMIT_MS, type Pacing } from './_pacing.js';
import { FRESH_TURNS, onTurn } from './_place.js';

const T0 = Date.parse('2026-06-01T15:00:00Z');

/** A pacing whose fresh turns come `gapMs` after now, and that counts them. */
function pacingOf(clock: ReturnType<typeof createFakeClock>, gapMs: number) {
  const fresh: number[] = [];
  const pacing = {
    paced: true,
    onTime: async (at: number) => {
      if (clock.now() - at <= LATE_LIMIT_MS) return at;
      const turn = clock.now() + gapMs;
      fresh.push(turn);
      await clock.advanceTo(turn);
      return turn;
    },
  } as unknown as Pacing;
  return { pacing, fresh };
}

/** A last check whose list is read in `readMs` (0: at once, no promise), counting its reads. */
function checkOf(clock: ReturnType<typeof createFakeClock>, readMs: number) {
  const reads: number[] = [];
  const check: LastCheck = {
    window: () => null,
    check: () => null,
    beforeSend: () => {
      reads.push(clock.now());
      if (readMs === 0) return;
      return clock.advance(readMs);
    },
  };
  return { check, reads };
}

describe('onTurn', () => {
  it('answers at once, with no promise, when the list is fresh and the turn has not gone by', () => {
    const clock = createFakeClock(T0);
    const { pacing, fresh } = pacingOf(clock, 25);
    const { check, reads } = checkOf(clock, 0);
    clock.advanceSync(LATE_LIMIT_MS);
    expect(onTurn(check, pacing, T0, clock).beforeSend()).toBeUndefined();
    expect(reads).toEqual([T0 + LATE_LIMIT_MS]);
    expect(fresh).toEqual([]);
  });

  it('takes a fresh turn when the list’s read outlasted the turn, then reads the list again', async () => {
    const clock = createFakeClock(T0);
    const { pacing, fresh } = pacingOf(clock, 25);
    const { check, reads } = checkOf(clock, 200);
    const last = onTurn(check, pacing, T0, clock);
    await last.beforeSend();
    // Read at the turn; 200 ms later the turn had gone by: a fresh one 25 ms on, read again there.
    // Each read takes 200 ms here: after FRESH_TURNS fresh turns the request leaves on the last,
    // the list just read (it has the last word; the call is not held forever).
    expect(reads).toEqual([T0, T0 + 225, T0 + 450, T0 + 675]);
    expect(fresh).toEqual([T0 + 225, T0 + 450, T0 + 675]);
    expect(fresh).toHaveLength(FRESH_TURNS);
  });

  it('takes one fresh turn when only the first read was slow', async () => {
    const clock = createFakeClock(T0);
    const { pacing, fresh } = pacingOf(clock, 25);
    let reads = 0;
    const check: LastCheck = {
      window: () => null,
      check: () => null,
      // The first read goes to the store; the one after the fresh turn is within its freshness.
      beforeSend: () => (reads++ === 0 ? clock.advance(200) : undefined),
    };
    await onTurn(check, pacing, T0, clock).beforeSend();
    expect(fresh).toEqual([T0 + 225]);
    expect(reads).toBe(2);
    expect(clock.now()).toBe(T0 + 225);
  });

  it('takes a fresh turn for a request the client sends late (a retry’s delay), at its own call', async () => {
    const clock = createFakeClock(T0);
    const { pacing, fresh } = pacingOf(clock, 25);
    const { check, reads } = checkOf(clock, 0);
    const last = onTurn(check, pacing, T0, clock);
    expect(last.beforeSend()).toBeUndefined();
    clock.advanceSync(1000);
    await last.beforeSend();
    expect(fresh).toEqual([T0 + 1025]);
    expect(reads).toEqual([T0, T0 + 1000, T0 + 1025]);
    // The fresh turn is the request's own now: on time, nothing more to wait for.
    expect(last.beforeSend()).toBeUndefined();
  });

  it('refuses as the list does, taking no turn', async () => {
    const clock = createFakeClock(T0);
    const { pacing, fresh } = pacingOf(clock, 25);
    const check: LastCheck = {
      window: () => null,
      check: () => null,
      beforeSend: () => Promise.reject(new Error('listed')),
    };
    clock.advanceSync(1000);
    await expect(onTurn(check, pacing, T0, clock).beforeSend()).rejects.toThrow('listed');
    expect(fresh).toEqual([]);
  });
});
