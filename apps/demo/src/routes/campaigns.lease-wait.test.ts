/**
 * A campaign whose calls a killed process had claimed: `lease_wait` says how many wait for that
 * process's lease and until when, in the list and in the campaign, and is `null` once the lease
 * has run out and this server took them over.
 */
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { endLeases, seedHeldCampaign } from '../_test-campaigns.js';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

const NUMBERS = ['+13018040009', '+19842068287', '+15512459377'];

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('a campaign held by a killed process’s lease', () => {
  it('shows lease_wait until the lease runs out, then null, and is dialed to its end', async () => {
    const campaignStore = createMemoryStore();
    const leaseUntil = Date.now() + 600_000;
    const held = await seedHeldCampaign(campaignStore, {
      name: 'held',
      numbers: NUMBERS,
      held: 2,
      leaseUntil,
    });
    expect(held.map((row) => row.to)).toEqual(NUMBERS.slice(0, 2));
    app = await startTestApp({ store: campaignStore, campaignRefreshMs: 50 });
    const url = app.url;

    const waiting = { entries: 2, until: new Date(leaseUntil).toISOString() };
    const one = await api(`${url}/api/campaigns/held`);
    expect(one.status).toBe(200);
    expect(one.json.lease_wait).toEqual(waiting);
    // Claimed and never sent: held, not dialed (a stop could still end them unsent).
    expect(one.json.progress).toMatchObject({ dialed: 0, live: 0, completed: 0 });
    const listed = await api(`${url}/api/campaigns`);
    expect(listed.json.items.find((c: { id: string }) => c.id === 'held').lease_wait).toEqual(
      waiting,
    );
    // Nothing is placed in the slots the lease holds.
    expect(app.webhook.calls()).toEqual([]);

    await endLeases(campaignStore, 'held');
    const done = await eventually(async () => {
      const { json } = await api(`${url}/api/campaigns/held`);
      return json.state === 'done' ? json : undefined;
    });
    expect(done.lease_wait).toBeNull();
    expect(done.progress).toMatchObject({ dialed: 3, live: 0 });
    // Each number placed once: the two the lease held (taken over together), then the third.
    const placed = app.webhook.calls().map((c) => c.phone);
    expect([...placed.slice(0, 2)].sort()).toEqual(NUMBERS.slice(0, 2).sort());
    expect(placed.slice(2)).toEqual(NUMBERS.slice(2));
  });

  it('is null for a campaign no other worker holds', async () => {
    app = await startTestApp();
    const created = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'mine', numbers: NUMBERS },
    });
    expect(created.status).toBe(201);
    expect(created.json.lease_wait).toBeNull();
    expect((await api(`${app.url}/api/campaigns/mine`)).json.lease_wait).toBeNull();
  });
});
