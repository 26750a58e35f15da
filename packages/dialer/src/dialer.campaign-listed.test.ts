/**
 * A number put on the do-not-call list while its call waits for its turn under `callsPerSecond`:
 * the list, read again right before the request, has the last word even after the entry was told
 * `dialing`. The entry ends `suppressed`, never placed, and the campaign drains.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepProvider } from '../test/campaign-steps.js';
import { eventually } from '../test/utils.js';
import { createDialer } from './dialer.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER_ID = '+14155550100';
const NUMBERS = ['+14155552671', '+13018040009', '+12025550123'];

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

describe('a durable campaign whose number is listed while its call waits for its turn', () => {
  it('is told dialing, then ends suppressed, never placed, and the campaign drains', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const steps = createStepProvider(() => ({ statuses: ['completed'], stepMs: 1 }));
    cleanup.push(steps.dispose);
    const dialer = createDialer({
      provider: steps.provider,
      store,
      campaign: 'listed',
      numbers: NUMBERS,
      callerId: CALLER_ID,
      concurrency: 3,
      callsPerSecond: 1,
      clock,
    });
    cleanup.push(() => dialer.close());
    steps.workers.push(dialer);
    const told: [number, string][] = [];
    dialer.on('dialing', ({ index }) => told.push([index, 'dialing']));
    dialer.on('finished', ({ index, status }) => told.push([index, status]));
    let drained = false;
    dialer.on('drained', () => (drained = true));
    await dialer.start();
    await eventually(clock, () => expect(steps.placed).toEqual([NUMBERS[0]]));
    // The second entry is claimed and waits for its slot, a second after the first; its number
    // is listed meanwhile.
    await clock.advance(500);
    await store.suppress!([{ phone: NUMBERS[1]!, reason: 'opt-out', createdAt: T0, until: null }]);
    // Time goes on until every entry has ended (the third is placed a second after the second).
    await eventually(clock, async () => {
      await clock.advance(100);
      expect(drained).toBe(true);
    });
    expect(steps.placed).toEqual([NUMBERS[0], NUMBERS[2]]);
    const entries = dialer.snapshot().entries.map((e) => [e.status, e.attempts]);
    expect(entries).toEqual([
      ['completed', 1],
      ['suppressed', 0],
      ['completed', 1],
    ]);
    expect(told.filter(([index]) => index === 1).map(([, what]) => what)).toContain('suppressed');
  });
});
