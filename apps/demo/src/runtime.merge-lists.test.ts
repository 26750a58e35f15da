/**
 * The one do-not-call list: what a campaigns' store still lists from before (when the demo wrote
 * the list into both stores) moves into the scheduler's store at start, and stays listed.
 */
import { createSuppressionList } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { mergeDoNotCallLists } from './runtime.js';

const logger = pino({ level: 'silent' });
const phones = (count: number, from: number) =>
  Array.from({ length: count }, (_, i) => `+1415555${String(from + i)}`);

describe('mergeDoNotCallLists', () => {
  it("moves every entry of the campaigns' store into the one list, and empties the other", async () => {
    const store = createMemoryStore();
    const campaignStore = createMemoryStore();
    const main = createSuppressionList({ store });
    const old = createSuppressionList({ store: campaignStore });
    // Listed in both (as every write used to be), and listed only in the campaigns' store (a
    // remove that reached one store and not the other): 1,200 in all, more than a page.
    for (const phone of phones(700, 1000)) {
      await main.suppress(phone, { reason: 'both' });
      await old.suppress(phone, { reason: 'both' });
    }
    for (const phone of phones(500, 3000)) await old.suppress(phone, { reason: 'campaigns only' });
    await main.suppress('+14155559999', { reason: 'scheduler only' });

    expect(await mergeDoNotCallLists(store, campaignStore, logger)).toBe(1200);
    for (const phone of [...phones(700, 1000), ...phones(500, 3000), '+14155559999']) {
      expect(await main.isSuppressed(phone), phone).toBe(true);
    }
    expect((await main.get('+14155553000'))?.reason).toBe('campaigns only');
    expect((await old.list({ limit: 10 })).items).toEqual([]);
    // Once moved, a second start has nothing to move.
    expect(await mergeDoNotCallLists(store, campaignStore, logger)).toBe(0);
  });
});
