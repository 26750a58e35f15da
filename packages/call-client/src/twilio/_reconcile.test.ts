import { describe, expect, it } from 'vitest';
import { createPlacementLedger } from './_reconcile.js';

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
});
