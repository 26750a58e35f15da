import { describe, expect, it } from 'vitest';
import { deferredTo, released } from '../dispatch/_transitions.js';
import { newStoredCall, timeline } from '../_rows.js';
import type { StoredCall } from './_stored-call.js';
import { placingMark, withoutMark } from './_mark.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

/** A row claimed by `w1`, on its second attempt, its timeline told so far. */
const claimed: StoredCall = {
  ...newStoredCall({
    id: 'c1',
    to: '+14155552671',
    dueAt: T0,
    now: T0 - 10_000,
    idempotencyKey: null,
    options: null,
  }),
  status: 'queued',
  attempt: 2,
  version: 6,
  leaseOwner: 'w1',
  leaseUntil: T0 + 30_000,
  events: [
    { status: 'scheduled', at: T0 - 10_000, attempt: 1 },
    { status: 'busy', at: T0 - 5000, attempt: 1, reason: 'busy' },
    { status: 'scheduled', at: T0 - 5000, attempt: 2, reason: 'busy' },
  ],
};
const marked = (row: StoredCall, at: number): StoredCall => ({ ...row, ...placingMark(row, at) });

describe('placingMark and withoutMark', () => {
  it('marks with placingAt and a queued step of the attempt', () => {
    const row = marked(claimed, T0);
    expect(row.placingAt).toBe(T0);
    expect(row.events).toEqual([...claimed.events!, { status: 'queued', at: T0, attempt: 2 }]);
  });

  it('a row never written gets its first step before the mark', () => {
    const fresh = { ...claimed, attempt: 1, events: null };
    expect(timeline(marked(fresh, T0)).map((s) => s.status)).toEqual(['scheduled', 'queued']);
    expect(timeline(withoutMark(marked(fresh, T0)))).toEqual(timeline(fresh));
  });

  it('withoutMark gives back the row as it was before the mark', () => {
    expect(withoutMark(marked(claimed, T0))).toEqual(claimed);
  });

  it('withoutMark keeps every step when the last is not the mark at placingAt', () => {
    const row = marked(claimed, T0);
    const moved = { ...row, placingAt: T0 + 1 };
    expect(withoutMark(moved)).toEqual({ ...moved, placingAt: null });
    const other = {
      ...row,
      events: [...row.events!, { status: 'ringing' as const, at: T0 + 5, attempt: 2 }],
    };
    expect(withoutMark(other).events).toEqual(other.events);
  });
});

describe('a marked claim not sent', () => {
  it('released: the mark taken back, as an unmarked claim is released', () => {
    expect({ ...marked(claimed, T0), ...released(marked(claimed, T0)) }).toEqual({
      ...claimed,
      ...released(claimed),
    });
    expect(released(claimed)).toEqual({ status: 'scheduled', leaseOwner: null, leaseUntil: null });
  });

  it('deferred to its window: the mark taken back, the deferral a step after the claim', () => {
    const opening = T0 + 3_600_000;
    const fromMarked = { ...marked(claimed, T0), ...deferredTo(marked(claimed, T0), opening, T0) };
    expect(fromMarked).toEqual({ ...claimed, ...deferredTo(claimed, opening, T0) });
    expect(fromMarked.placingAt).toBeNull();
    expect(fromMarked.events!.at(-1)).toEqual({
      status: 'scheduled',
      at: T0,
      attempt: 2,
      reason: 'window',
    });
  });
});
