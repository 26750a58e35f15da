/**
 * The workload's campaign: driven through the store's campaign methods as `createCampaignRunner`
 * drives them, beside the scheduler's calls.
 */
import { newStoredCall } from '../../src/_rows.js';
import { isConflictError } from '../../src/errors.js';
import type { Store, StoredCall, StoredCallPatch, StoredCampaign } from '../../src/store.js';
import { DAY_MS, phone, T0 } from './data.js';

/** The workload's campaign: its id, its entries, and how many may be live at once. */
export const CAMPAIGN = 'plans-campaign';
export const CAMPAIGN_ENTRIES = 20_000;
const CAMPAIGN_CONCURRENCY = 50;
/** How long a placement of unknown outcome holds its place under the cap. */
const HOLD_MS = 60_000;

/** A campaign row of the workload, created at `at`. */
const campaignRow = (id: string, total: number, at: number): StoredCampaign => ({
  id,
  state: 'running',
  concurrency: CAMPAIGN_CONCURRENCY,
  total,
  fingerprint: `plans-${id}`,
  settings: { callsPerSecond: null },
  nextSlotAt: 0,
  createdAt: at,
  updatedAt: at,
  archivedAt: null,
  version: 1,
});

/** `total` entries of campaign `id`, all due at `at`, calling the loaded data's numbers. */
const campaignEntries = (id: string, total: number, at: number): StoredCall[] =>
  Array.from({ length: total }, (_, position) => ({
    ...newStoredCall({
      id: `${id}-${String(position).padStart(6, '0')}`,
      to: phone(position * 3),
      dueAt: at,
      now: at,
      idempotencyKey: null,
      options: null,
    }),
    campaign: id,
    position,
  }));

/** Compare-and-sets of rows as read, through `updateMany` where the store has it. */
async function patchRows(store: Store, changes: [StoredCall, StoredCallPatch][]) {
  if (store.updateMany) {
    const applied = await store.updateMany(
      changes.map(([row, patch]) => ({ id: row.id, expectedVersion: row.version, patch })),
    );
    if (applied.includes(false)) throw new Error('plans workload: a campaign row moved meanwhile');
    return;
  }
  for (const [row, patch] of changes) await store.update(row.id, row.version, patch);
}

/** Runs `fn`, which must fail with a `ConflictError` of `reason`. */
async function refused(what: string, reason: string, fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (error) {
    if (isConflictError(error) && error.reason === reason) return;
    throw error;
  }
  throw new Error(`plans workload: ${what} was not refused`);
}

/**
 * A campaign of {@link CAMPAIGN_ENTRIES} entries beside the scheduler's calls, driven through
 * the store's campaign methods as `createCampaignRunner` drives them (a store without them is
 * left out): stored at once (and a duplicate refused), claimed under its cap in list order
 * with and without a send budget, its rows moved on (ended, in flight, of unknown outcome and
 * held, a retry waiting), paused (only adoption of the leases that ran out) and resumed, its
 * next wake, pages of its rows by position and status, its counts, the campaigns page by page,
 * and the scheduler-wide `list` of one campaign. Run first, so that the scheduler's own
 * statements run with campaign rows beside its calls (and must never claim one).
 */
export async function campaignWork(store: Store): Promise<void> {
  if (
    !store.insertCampaign ||
    !store.getCampaign ||
    !store.listCampaigns ||
    !store.updateCampaign ||
    !store.claimCampaign ||
    !store.nextCampaignWake ||
    !store.listCampaignCalls ||
    !store.countCampaign
  ) {
    return;
  }
  const created = T0 - 2 * DAY_MS;
  await store.insertCampaign(
    campaignRow(CAMPAIGN, CAMPAIGN_ENTRIES, created),
    campaignEntries(CAMPAIGN, CAMPAIGN_ENTRIES, created),
  );
  // A second, small campaign: the campaigns' pages, and claims that keep to their own rows.
  const small = `${CAMPAIGN}-small`;
  await store.insertCampaign(
    campaignRow(small, 10, created + 60_000),
    campaignEntries(small, 10, created + 60_000),
  );
  await refused('a campaign stored twice', 'duplicate', () =>
    store.insertCampaign!(campaignRow(small, 0, created), []),
  );
  if ((await store.getCampaign('plans-no-such-campaign')) !== null) {
    throw new Error('plans workload: an unknown campaign was found');
  }

  // Claims under the cap, in list order, and the claimed rows moved on.
  const start = T0 - 3_600_000;
  const claim = (now: number, limit: number, worker: string, budget: boolean) =>
    store.claimCampaign!(CAMPAIGN, now, limit, worker, now + 30_000, {
      holdMs: HOLD_MS,
      ...(budget && { budget: { intervalMs: 50, horizonMs: 1_000 } }),
    });
  const first = await claim(start, 30, 'plans-c1', false);
  if (first.calls.length !== 30) {
    throw new Error(`plans workload: the first campaign claim took ${first.calls.length} rows`);
  }
  const at = start + 5_000;
  await patchRows(
    store,
    first.calls.map((row, i): [StoredCall, StoredCallPatch] => {
      if (i < 10) {
        return [row, { status: 'completed', leaseOwner: null, leaseUntil: null, updatedAt: at }];
      }
      if (i < 15) {
        return [
          row,
          {
            status: 'failed',
            reason: 'outcome_unknown',
            placingAt: at,
            leaseOwner: null,
            leaseUntil: null,
          },
        ];
      }
      if (i < 20) {
        return [row, { status: 'ringing', placingAt: at, providerCallId: `CA-plans-c${i}` }];
      }
      if (i < 22) {
        // A retry waiting for its backoff: due again later.
        return [
          row,
          {
            status: 'scheduled',
            dueAt: start + 600_000,
            attempt: 2,
            leaseOwner: null,
            leaseUntil: null,
          },
        ];
      }
      return [row, { placingAt: at }];
    }),
  );
  await claim(start + 1_000, 100, 'plans-c2', true);
  await store.nextCampaignWake(CAMPAIGN, start + 1_000, HOLD_MS);

  // Paused: the leases that ran out are adopted, nothing new is claimed.
  let campaign = (await store.getCampaign(CAMPAIGN))!;
  campaign = await store.updateCampaign(CAMPAIGN, campaign.version, {
    state: 'paused',
    updatedAt: start + 31_000,
  });
  await refused('a stale campaign update', 'version_conflict', () =>
    store.updateCampaign!(CAMPAIGN, campaign.version - 1, { state: 'stopped' }),
  );
  await claim(start + 31_000, 100, 'plans-c3', false);
  campaign = await store.updateCampaign(CAMPAIGN, campaign.version, {
    state: 'running',
    concurrency: CAMPAIGN_CONCURRENCY + 10,
    settings: { callsPerSecond: 20 },
    updatedAt: start + 32_000,
  });
  // The holds passed: their places are free again.
  const later = start + HOLD_MS + 10_000;
  await store.nextCampaignWake(CAMPAIGN, later, HOLD_MS);
  await claim(later, 100, 'plans-c4', true);
  await claim(later + 100, 100, 'plans-c4', false);
  const none = await store.claimCampaign(small, later, 0, 'plans-c4', later + 30_000, {
    holdMs: HOLD_MS,
  });
  if (none.calls.length !== 0) throw new Error('plans workload: a claim of 0 took rows');
  await store.claimCampaign('plans-no-such-campaign', later, 10, 'plans-c4', later + 30_000, {
    holdMs: HOLD_MS,
  });

  // What the runner and the dialer read: pages in list order, counts, the campaigns.
  const page = await store.listCampaignCalls(CAMPAIGN, { limit: 100 });
  await store.listCampaignCalls(CAMPAIGN, {
    afterPosition: page[page.length - 1]?.position ?? null,
    limit: 100,
  });
  await store.listCampaignCalls(CAMPAIGN, { status: ['scheduled'], limit: 500 });
  await store.listCampaignCalls(CAMPAIGN, {
    status: ['queued', 'initiated', 'ringing', 'answered'],
    limit: 500,
  });
  await store.listCampaignCalls(CAMPAIGN, {
    status: ['failed', 'completed'],
    afterPosition: 2,
    limit: 50,
  });
  await store.countCampaign(CAMPAIGN);
  await store.countCampaign('plans-no-such-campaign');
  const campaigns = await store.listCampaigns({ limit: 1 });
  await store.listCampaigns({ limit: 1, cursor: campaigns.nextCursor });

  // The scheduler-wide list of one campaign's rows.
  const rows = await store.list({ campaign: CAMPAIGN, limit: 50 });
  await store.list({ campaign: CAMPAIGN, limit: 50, cursor: rows.nextCursor });
  const waiting = await store.list({ campaign: CAMPAIGN, status: 'scheduled', limit: 50 });
  await store.list({
    campaign: CAMPAIGN,
    status: 'scheduled',
    limit: 50,
    cursor: waiting.nextCursor,
  });
  await store.list({ campaign: CAMPAIGN, status: ['queued', 'ringing'], limit: 50 });
  await store.list({ campaign: CAMPAIGN, to: phone(3), limit: 50 });
}
