import { describe, expect, it } from 'vitest';
import { orderCalls } from './order.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

/** A call due `due` minutes from now, made `made` minutes from now, ended `ended` (if it did). */
function call(id: string, status: string, due: number, made: number, ended?: number) {
  return {
    id,
    status,
    scheduled_time: at(due),
    created_at: at(made),
    updated_at: at(ended ?? made),
    timeline: [{ at: at(made) }, ...(ended === undefined ? [] : [{ at: at(ended) }])],
  };
}

describe('the order of the scheduled calls', () => {
  it('puts the calls not ended first, soonest due first, then the ended ones, last ended first', () => {
    const calls = [
      call('done-early', 'completed', -30, -40, -29),
      call('tomorrow', 'scheduled', 24 * 60, -50),
      call('done-late', 'busy', -5, -10, -4),
      call('ringing', 'ringing', -1, -20),
      call('in-an-hour', 'scheduled', 60, -1),
      call('canceled-now', 'canceled', 30, -60, 0),
      call('in-ten', 'scheduled', 10, -45),
    ];
    expect(orderCalls(calls).map((c) => c.id)).toEqual([
      'ringing',
      'in-ten',
      'in-an-hour',
      'tomorrow',
      'canceled-now',
      'done-late',
      'done-early',
    ]);
  });

  it('never puts an upcoming call between finished ones, whenever it was made', () => {
    // Made last (newest first by creation would put it on top) and first (at the bottom).
    const calls = [
      call('a', 'completed', -3, -4, -2),
      call('upcoming-new', 'scheduled', 5, 0),
      call('b', 'failed', -8, -9, -7),
      call('upcoming-old', 'scheduled', 2, -100),
      call('c', 'no-answer', -20, -21, -19),
    ];
    const statuses = orderCalls(calls).map((c) => c.status);
    expect(statuses).toEqual(['scheduled', 'scheduled', 'completed', 'failed', 'no-answer']);
    expect(orderCalls(calls)[0]!.id).toBe('upcoming-old');
  });

  it('keeps an order for calls alike, and leaves its input as it was', () => {
    const calls = [call('b', 'scheduled', 5, 0), call('a', 'scheduled', 5, 0)];
    expect(orderCalls(calls).map((c) => c.id)).toEqual(['a', 'b']);
    expect(calls.map((c) => c.id)).toEqual(['b', 'a']);
  });
});
