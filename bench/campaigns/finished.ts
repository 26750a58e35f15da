/**
 * The heap that campaigns hold once they are done: `createCampaigns` on `createMemoryStore()`
 * runs campaigns of 10,000 numbers to the end (calls of 0–5 ms from the bench provider), then
 * the heap in use after a forced GC is read with `finishedEntriesKept` at 0 (views and counts
 * only), at its default (50,000) and above the entries run, in the same process, one after the
 * other on fresh stores. The store's own rows are dropped before each reading (the store is
 * closed and let go), so the figure is what the campaigns' finished views hold.
 *
 *   pnpm --filter @ringkit/bench exec node --expose-gc --import tsx campaigns/finished.ts [--quick]
 */
import { createCampaigns } from '@ringkit/dialer';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { benchProvider } from './_dialer-provider.js';
import { quick, table } from '../_stats.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const CAMPAIGNS = quick ? 2 : 5;
const NUMBERS = quick ? 2_000 : 10_000;
const ENTRIES = CAMPAIGNS * NUMBERS;

const heap = async () => {
  for (let i = 0; i < 3; i += 1) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
};

/** Runs the campaigns to the end with `kept`, then the heap their finished views hold, in bytes. */
async function held(kept: number): Promise<number> {
  const store = createMemoryStore();
  const bench = benchProvider('random', ENTRIES, 11, { concurrency: 50 });
  const campaigns = createCampaigns({
    store,
    provider: bench.provider,
    callerId: '+14155550100',
    finishedEntriesKept: kept,
  });
  bench.setHandler((event) => void campaigns.handleStatus(event));
  await campaigns.start();
  const done = new Set<string>();
  campaigns.on('done', ({ campaign }) => done.add(campaign));
  for (let c = 0; c < CAMPAIGNS; c += 1) {
    const numbers = Array.from(
      { length: NUMBERS },
      (_, i) => `+1415${String(2_000_000 + c * 100_000 + i)}`,
    );
    await campaigns.create(`finished-${c}`, numbers, { concurrency: 10 });
  }
  while (done.size < CAMPAIGNS) await new Promise((resolve) => setTimeout(resolve, 50));
  // Each done campaign read once, as a results page would: its snapshot kept while it fits.
  for (let c = 0; c < CAMPAIGNS; c += 1) await campaigns.snapshot(`finished-${c}`);
  const bytes = await heap();
  await campaigns.close();
  await store.close();
  return bytes;
}

const base = await heap();
const rows: Array<Record<string, string | number>> = [];
for (const kept of [0, 50_000, ENTRIES * 2]) {
  const bytes = await held(kept);
  rows.push({
    finishedEntriesKept: kept.toLocaleString('en-US'),
    'entries finished': ENTRIES.toLocaleString('en-US'),
    'entries kept': Math.min(kept, ENTRIES).toLocaleString('en-US'),
    'heap MiB (store included)': (bytes - base) / 2 ** 20,
  });
  await heap();
}
const none = Number(rows[0]!['heap MiB (store included)']);
for (const row of rows) {
  const kept = Number(String(row['entries kept']).replaceAll(',', ''));
  row['KiB per 1,000 kept entries'] =
    kept === 0 ? '—' : ((Number(row['heap MiB (store included)']) - none) * 1024 * 1000) / kept;
}
console.log(
  `${CAMPAIGNS} campaigns of ${NUMBERS.toLocaleString('en-US')} numbers run to the end on createMemoryStore(), heap after a forced GC, in one process:\n`,
);
table(rows);
