import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../testing/fake-clock.js';
import { CLAIMS_KEPT, createPlacementLedger, findPlacedCall } from './_reconcile.js';

describe('createPlacementLedger', () => {
  it('counts as overlapping only placements in flight or of unknown outcome', () => {
    let now = 0;
    const ledger = createPlacementLedger({ now: () => now, keepMs: 60_000 });
    const self = ledger.begin('+14155552671');
    const placed = ledger.begin('+14155552671');
    const refused = ledger.begin('+14155552671');
    const unknown = ledger.begin('+14155552671');
    const flying = ledger.begin('+14155552671');
    now = 10;
    placed.settle('placed');
    refused.settle('refused');
    unknown.settle('ambiguous');
    expect(ledger.overlapping(self, 2000)).toEqual([unknown, flying]);
  });

  it('forgets placements of unknown outcome once they ended more than keepMs ago', () => {
    let now = 0;
    const ledger = createPlacementLedger({ now: () => now, keepMs: 1000 });
    const unknown = ledger.begin('+14155552671');
    unknown.settle('ambiguous');
    now = 5000;
    const self = ledger.begin('+14155552671');
    expect(ledger.overlapping(self, 10_000)).toEqual([]);
  });

  it('keeps no trace of many placements to one number that ended clearly', () => {
    const ledger = createPlacementLedger({ now: () => 0, keepMs: 60_000 });
    for (let i = 0; i < 1000; i += 1)
      ledger.begin('+14155552671').settle(i % 2 ? 'placed' : 'refused');
    const self = ledger.begin('+14155552671');
    expect(ledger.overlapping(self, 2000)).toEqual([]);
  });

  it('remembers the newest CLAIMS_KEPT calls it returned, forgetting the oldest first', () => {
    const ledger = createPlacementLedger({ now: () => 0, keepMs: 60_000 });
    const sid = (i: number) => `CA${String(i).padStart(32, '0')}`;
    for (let i = 0; i < CLAIMS_KEPT; i += 1) ledger.claim(sid(i));
    // Claimed again, a call is not claimed twice: it takes no second place.
    ledger.claim(sid(5));
    expect(ledger.isClaimed(sid(0))).toBe(true);
    for (let i = CLAIMS_KEPT; i < 3 * CLAIMS_KEPT + 7; i += 1) ledger.claim(sid(i));
    const kept = Array.from({ length: 3 * CLAIMS_KEPT + 7 }, (_, i) => ledger.isClaimed(sid(i)));
    expect(kept.indexOf(true)).toBe(2 * CLAIMS_KEPT + 7);
    expect(kept.filter(Boolean)).toHaveLength(CLAIMS_KEPT);
  });
});

describe('findPlacedCall', () => {
  it('spaces its look-ups delayMs apart on the clock it is given, and adopts the one new call', async () => {
    const clock = createFakeClock(10_000);
    const ledger = createPlacementLedger({ now: () => clock.now(), keepMs: 60_000 });
    const placement = ledger.begin('+14155552671');
    placement.settle('ambiguous');
    const lookups: number[] = [];
    const list = () => {
      lookups.push(clock.now());
      // Listed from the second look-up on, as Twilio may list a new call a moment late.
      return Promise.resolve(
        lookups.length < 2 ? [] : [{ sid: 'CA1', createdAt: 10_000, call: 'the call' }],
      );
    };
    const found = findPlacedCall({
      placement,
      options: { attempts: 3, delayMs: 1000, skewMs: 2000 },
      ledger,
      list,
      clock,
    });
    await clock.advance(999);
    expect(lookups).toEqual([10_000]);
    await clock.advance(1);
    expect(lookups).toEqual([10_000, 11_000]);
    await expect(found).resolves.toMatchObject({ sid: 'CA1', call: 'the call' });
  });
});
