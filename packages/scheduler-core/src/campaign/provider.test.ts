/**
 * A campaign's entries are placed only through the provider they were made for: a runner with
 * another provider joins to read it, says why it works none of it, and places nothing.
 */
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { isConflictError } from '../errors.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

const entries = [{ to: '+14155552671' }, { to: '+14155552672' }];

describe("a campaign's provider", () => {
  it('names every entry and the campaign; a runner of another provider places none of it', async () => {
    const store = createMemoryStore();
    const east = createFakeProvider({ name: 'east' });
    const first = createCampaignRunner({
      store,
      provider: east,
      campaign: 'spring',
      callerId: '+14155550100',
      concurrency: 1,
      entries,
      workerId: 'a',
    });
    runners.push(first);
    await first.start();
    const rows = await store.listCampaignCalls!('spring', { limit: 10 });
    expect(rows.map((row) => row.provider)).toEqual(['east', 'east']);
    expect((await store.getCampaign!('spring'))?.provider).toBe('east');

    const west = createFakeProvider({ name: 'west' });
    const other = createCampaignRunner({
      store,
      provider: west,
      campaign: 'spring',
      callerId: '+14155550100',
      concurrency: 1,
      workerId: 'b',
    });
    runners.push(other);
    const errors: unknown[] = [];
    other.on('error', ({ error }) => errors.push(error));
    await expect(other.start()).resolves.toMatchObject({ id: 'spring', provider: 'east' });
    expect(errors).toHaveLength(1);
    expect(isConflictError(errors[0]) && errors[0].reason).toBe('provider_mismatch');
    expect((errors[0] as Error).message).toContain('"east"');
    // Started again, it reads the campaign and says nothing more.
    await other.start();
    expect(errors).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(west.placed).toHaveLength(0);
    expect(await other.counts()).toEqual(await first.counts());

    // A runner of the same provider joins.
    const same = createCampaignRunner({
      store,
      provider: createFakeProvider({ name: 'east' }),
      campaign: 'spring',
      callerId: '+14155550100',
      concurrency: 1,
      workerId: 'c',
    });
    runners.push(same);
    await expect(same.start()).resolves.toMatchObject({ id: 'spring' });
  });
});
