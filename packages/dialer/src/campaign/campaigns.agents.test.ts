/**
 * A campaign with agents created through `createCampaigns`: its mode and agents are stored with
 * it, and what became of each person who answered is told as `connected` or `abandoned`, with the
 * campaign's name and the entry.
 */
import { createAgents } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, expect, it, vi } from 'vitest';
import { createCampaigns } from './campaigns.js';
import type { Campaigns, CampaignsEvents } from './types.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function until(check: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never: ${what}`);
}

it('tells connected and abandoned with the campaign and the entry', async () => {
  const store = createMemoryStore();
  const agents = createAgents({ store });
  await agents.add({ id: 'ana', reach: '+14155550111', campaigns: ['spring'], state: 'available' });
  const fake = createFakeProvider({ follow: 'webhooks' });
  const provider = Object.assign(fake, {
    connectCall: vi.fn(async (_id: string, _to: string) => undefined),
    abandonCall: vi.fn(async (_id: string, _message: string) => undefined),
  });
  const campaigns: Campaigns = createCampaigns({ store, provider, callerId: '+14155550100' });
  cleanups.push(() => campaigns.close());
  const connected: CampaignsEvents['connected'][] = [];
  const abandoned: CampaignsEvents['abandoned'][] = [];
  campaigns.on('connected', (e) => connected.push(e));
  campaigns.on('abandoned', (e) => abandoned.push(e));
  await campaigns.start();
  await campaigns.create('spring', ['+14155552671', '+14155552672', '+14155552673'], {
    concurrency: 5,
    mode: 'progressive',
    agents: { sellerName: 'Acme', callbackNumber: '+14155550199', wrapUpMs: 0 },
  });
  const tell = (id: string, status: 'answered' | 'completed') =>
    campaigns.handleStatus({ callId: id, status, providerStatus: status, at: new Date() });

  await until(() => fake.placed[0]?.id !== undefined, 'the first line');
  await tell('p0', 'answered');
  await until(() => connected.length === 1, 'connected');
  expect(connected[0]).toMatchObject({
    campaign: 'spring',
    index: 0,
    phone: '+14155552671',
    callId: 'p0',
    agent: 'ana',
  });
  await tell('p0', 'completed');
  await until(() => fake.placed[1]?.id !== undefined, 'the second line');
  await agents.setState('ana', 'away');
  // Told after the 2 s: abandoned at once.
  await campaigns.handleStatus({
    callId: 'p1',
    status: 'answered',
    providerStatus: 'answered',
    at: new Date(Date.now() - 5000),
  });
  await until(() => abandoned.length === 1, 'abandoned');
  expect(abandoned[0]).toMatchObject({
    campaign: 'spring',
    index: 1,
    callId: 'p1',
    reason: 'no_agent',
  });
  expect(provider.abandonCall).toHaveBeenCalledWith('p1', expect.stringContaining('Acme'));

  const stored = await store.getCampaign!('spring');
  expect(stored?.settings).toMatchObject({ mode: 'progressive', agents: { sellerName: 'Acme' } });
});
