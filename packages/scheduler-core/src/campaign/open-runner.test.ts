import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import type { CampaignRunner } from './runner.js';
import { createCampaignRunner, openCampaignRunner } from './runner.js';

const CALLER_ID = '+14155550100';
const list = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ to: `+1415${2_000_000 + i}` }));

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

function options(store: ReturnType<typeof createMemoryStore>, entries?: { to: string }[]) {
  return {
    store,
    provider: createFakeProvider(),
    campaign: 'spring',
    callerId: CALLER_ID,
    concurrency: 1,
    ...(entries ? { entries } : {}),
  };
}

describe('openCampaignRunner', () => {
  it('creates the campaign createCampaignRunner would: a runner given the same list joins it, another list is refused', async () => {
    const store = createMemoryStore();
    const opened = await openCampaignRunner(options(store, list(300)));
    runners.push(opened);
    const created = await opened.start();
    expect(created).toMatchObject({ id: 'spring', total: 300, state: 'running' });
    expect((await store.listCampaignCalls!('spring', { limit: 1000 })).map((r) => r.to)).toEqual(
      list(300).map((e) => e.to),
    );

    const same = createCampaignRunner({ ...options(store, list(300)), workerId: 'other' });
    runners.push(same);
    expect((await same.start()).fingerprint).toBe(created.fingerprint);

    const other = createCampaignRunner({ ...options(store, list(299)), workerId: 'third' });
    runners.push(other);
    await expect(other.start()).rejects.toMatchObject({ reason: 'campaign_mismatch' });
  });

  it('rejects a bad entry with the ValidationError createCampaignRunner throws, and stores nothing', async () => {
    const store = createMemoryStore();
    const entries = [...list(10), { to: 'not a number' }];
    const sync = (() => {
      try {
        createCampaignRunner(options(store, entries));
      } catch (error) {
        return error;
      }
    })();
    expect(sync).toBeInstanceOf(ValidationError);
    const rejected = await openCampaignRunner(options(store, entries)).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(ValidationError);
    expect((rejected as ValidationError).message).toBe((sync as ValidationError).message);
    expect((rejected as ValidationError).issues[0]!.path).toEqual(['entries', 10, 'to']);
    expect(await store.getCampaign!('spring')).toBeNull();
  });

  it('lets the event loop turn while a long list is turned into rows', async () => {
    const store = createMemoryStore();
    let turns = 0;
    let opened = false;
    const tick = () => {
      if (opened) return;
      turns += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    const runner = await openCampaignRunner(options(store, list(5_000)));
    opened = true;
    runners.push(runner);
    // 5,000 numbers take tens of ms to check: the loop turned between slices of it.
    expect(turns).toBeGreaterThan(2);
  });

  it('joins a stored campaign without a list, and says when there is none', async () => {
    const store = createMemoryStore();
    await expect(
      openCampaignRunner(options(store)).then((runner) => {
        runners.push(runner);
        return runner.start();
      }),
    ).rejects.toMatchObject({ name: 'CallNotFoundError' });
  });
});
