/** The read-back of a world once everything has ended: a fresh `createCampaigns` on its store. */
import type { CallProvider } from '@ringkit/call-client';
import type { Store, StoredCampaign } from '@ringkit/scheduler-core';
import { createCampaigns } from '../../src/campaign/campaigns.js';
import type { Campaigns, CampaignView } from '../../src/campaign/types.js';
import type { DialerEntry, DialerSnapshot } from '../../src/types.js';
import { CALLER_ID } from './scenario.js';

export async function storedCampaigns(store: Store): Promise<StoredCampaign[]> {
  const out: StoredCampaign[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listCampaigns!({ cursor, limit: 100 });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** One campaign as a fresh `createCampaigns` on the store reads it once everything has ended. */
export interface ReadBack {
  row: StoredCampaign;
  view: CampaignView;
  snapshot: DialerSnapshot;
  results: DialerEntry[];
}

/**
 * Reads every stored campaign back through a fresh `createCampaigns` (a new process): its list,
 * and each campaign's view, snapshot and results (a row a page). Its provider refuses any call: nothing is
 * dialed by reading.
 */
export async function readBack(store: Store, problems: string[]): Promise<Map<string, ReadBack>> {
  const refusing: CallProvider = {
    name: 'reader',
    capabilities: { polling: false, webhooks: true },
    placeCall: async ({ to }) => {
      problems.push(`the read-back dialed ${to}`);
      throw new Error('the read-back dials nobody');
    },
  };
  const reader = createCampaigns({
    store,
    provider: refusing,
    callerId: CALLER_ID,
    refreshIntervalMs: 20,
  });
  const out = new Map<string, ReadBack>();
  try {
    const rows = await storedCampaigns(store);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<Campaigns['list']>> = await reader.list({ cursor, limit: 1 });
      listed.push(...page.items.map((v) => v.campaign.id));
      cursor = page.nextCursor;
    } while (cursor);
    if (JSON.stringify([...listed].sort()) !== JSON.stringify(rows.map((r) => r.id).sort())) {
      problems.push(
        `list() pages ${JSON.stringify(listed)}, the store holds ${rows.map((r) => r.id)}`,
      );
    }
    for (const row of rows) {
      const view = await reader.get(row.id);
      const snapshot = await reader.snapshot(row.id);
      const results: DialerEntry[] = [];
      for await (const entry of reader.results(row.id, { pageSize: 1 })) results.push(entry);
      out.set(row.id, { row, view, snapshot, results });
    }
  } finally {
    await reader.close();
  }
  return out;
}
