import type { CallProvider } from '@ringkit/call-client';
import { createScheduler, type Scheduler } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { describe, expect, it } from 'vitest';
import { mergedHistory } from './history.js';

const CALLER = '+14155550100';
const provider: CallProvider = {
  name: 'unused',
  capabilities: { polling: false, webhooks: true },
  placeCall: () => Promise.reject(new Error('no call is placed here')),
};

const schedulerOver = () =>
  createScheduler({ store: createMemoryStore(), provider, callerId: CALLER });

/** Records `ids` in `scheduler`, each `at[i]` ms after the epoch start of the test. */
async function record(scheduler: Scheduler, calls: [id: string, at: number][]) {
  for (const [id, at] of calls) {
    await scheduler.recordCall({
      id,
      from: CALLER,
      to: '+13018040009',
      direction: 'outbound',
      status: 'completed',
      startedAt: new Date(Date.UTC(2030, 0, 1) + at),
      answeredAt: new Date(Date.UTC(2030, 0, 1) + at + 1000),
      endedAt: new Date(Date.UTC(2030, 0, 1) + at + 5000),
    });
  }
}

describe('mergedHistory', () => {
  it('pages through two stores newest first, every record once, ties by id', async () => {
    const scheduled = schedulerOver();
    const campaigns = schedulerOver();
    await record(scheduled, [
      ['s1', 1000],
      ['s2', 4000],
      ['s3', 4000],
      ['s4', 9000],
    ]);
    await record(campaigns, [
      ['c1', 2000],
      ['c2', 4000],
      ['c3', 8000],
    ]);
    const history = mergedHistory([scheduled, campaigns]);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof history>> = await history(CALLER, {
        cursor,
        limit: 2,
      });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['s4', 'c3', 's3', 's2', 'c2', 'c1', 's1']);
    expect(pages).toBe(4);
  });

  it('has no next page when every store is read to its end', async () => {
    const one = schedulerOver();
    await record(one, [['a', 1]]);
    const page = await mergedHistory([one, schedulerOver()])(CALLER, { cursor: null, limit: 5 });
    expect(page.items.map((i) => i.id)).toEqual(['a']);
    expect(page.nextCursor).toBeNull();
  });
});
