/**
 * Runners meeting on a campaign that the SQLite store is still writing (a long list, written in
 * short transactions, hidden until whole): a runner with the same list waits for it and joins;
 * an exclusive one is told it exists; none sees it half-written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeProvider } from '@ringkit/simulator';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isConflictError } from '../errors.js';
import type { Store } from '../store.js';
import { createSqliteStore } from '../stores/sqlite/sqlite.js';
import { CREATE_CHUNK } from '../stores/sqlite/_campaign-create.js';
import { openCampaignRunner, type CampaignRunner } from './runner.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkit-join-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runners: CampaignRunner[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

const list = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ to: `+1415${2_000_000 + i}` }));

/** A runner of campaign `spring` on its own connection to `path`, calling a fake provider. */
async function runner(path: string, workerId: string, extra: { exclusive?: boolean } = {}) {
  const store = createSqliteStore({ path });
  stores.push(store);
  const opened = await openCampaignRunner({
    store,
    provider: createFakeProvider(),
    campaign: 'spring',
    callerId: '+14155550100',
    concurrency: 1,
    entries: list(CREATE_CHUNK * 3 + 1),
    workerId,
    ...extra,
  });
  runners.push(opened);
  return opened;
}

describe('a campaign still being written by another worker', () => {
  it.each([1, 2, 3, 4, 5])(
    'is joined, whole, by a runner with the same list (round %i)',
    async (round) => {
      const path = join(dir, `same-${round}.db`);
      const [first, second] = await Promise.all([runner(path, 'a'), runner(path, 'b')]);
      // Started together, or the second a few turns of the loop later: either way one creates,
      // the other waits for the campaign to show, then joins it.
      const late = new Promise((resolve) => {
        let turns = round;
        const next = () => (--turns <= 0 ? resolve(second.start()) : setImmediate(next));
        next();
      });
      const [created, joined] = await Promise.all([first.start(), late]);
      expect(joined).toMatchObject({ id: 'spring', total: CREATE_CHUNK * 3 + 1 });
      expect((joined as typeof created).fingerprint).toBe(created.fingerprint);
      const counts = await stores[0]!.countCampaign!('spring');
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(CREATE_CHUNK * 3 + 1);
    },
  );

  it('is refused to an exclusive creation with campaign_exists', async () => {
    const path = join(dir, 'exclusive.db');
    const first = await runner(path, 'a');
    const second = await runner(path, 'b', { exclusive: true });
    const outcomes = await Promise.allSettled([first.start(), second.start()]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { id: 'spring' } });
    const refused = (outcomes[1] as PromiseRejectedResult).reason;
    expect(isConflictError(refused) && refused.reason === 'campaign_exists').toBe(true);
  });
});
