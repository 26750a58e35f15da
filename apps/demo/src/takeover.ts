/**
 * The one store takes over what earlier versions kept in a second one. Those versions kept the
 * campaigns apart (`DATA_DIR/campaigns.db`, or the schema `<schema>_campaigns`), because the two
 * practice APIs hand out overlapping call ids and a store then found calls by id alone. Calls
 * are now found by their provider and its id, so every campaign, entry, call record and
 * do-not-call entry moves into the one store, once, at the first start.
 */
import type { Store, StoredCall } from '@ringkit/scheduler-core';
import type { Logger } from 'pino';

/** What a takeover moved. */
export interface TakeoverCounts {
  campaigns: number;
  entries: number;
  records: number;
  suppressions: number;
  /** Rows of the one store stored before rows named their provider, named now. */
  named: number;
}

/** The providers whose calls the old stores hold. */
export interface TakeoverProviders {
  /** The scheduler's provider: the one store's own rows were placed through it. */
  scheduler: string;
  /** The campaigns' provider: every row of the old campaigns' store was placed through it. */
  campaigns: string;
}

const PAGE = 500;

/**
 * Moves everything `old` holds into `store`, and names the provider of every row of `store`
 * stored before rows named one. It may run again after a crash midway: a campaign already moved
 * (same name, same list) is left as it is, records and list entries are written by id and
 * number, and a number listed in either store stays listed. `old` is left as it was: the caller
 * puts it aside once this resolves.
 *
 * Rows move as they are: statuses, attempts, provider ids, timelines and leases. A call that was
 * in flight when the old version stopped is adopted by the first worker whose claim finds its
 * lease run out (a placement that may have left ends `outcome_unknown`, never placed again), as
 * after any restart. Pacing state (send slots and shares) is not moved: it is a few seconds'
 * worth, and the budgets start again from now.
 */
export async function takeOver(
  store: Store,
  old: Store,
  providers: TakeoverProviders,
  logger: Logger,
): Promise<TakeoverCounts> {
  const counts: TakeoverCounts = {
    campaigns: 0,
    entries: 0,
    records: 0,
    suppressions: 0,
    named: 0,
  };
  counts.named = await nameProviders(store, providers.scheduler);
  const numbers = new Set<string>();
  if (old.listCampaigns && old.listCampaignCalls && store.insertCampaign && store.getCampaign) {
    let cursor: string | null = null;
    do {
      const page = await old.listCampaigns({ cursor, limit: 100 });
      for (const campaign of page.items) {
        const rows: StoredCall[] = [];
        let after: number | null = null;
        for (;;) {
          const batch = await old.listCampaignCalls(campaign.id, {
            afterPosition: after,
            limit: PAGE,
          });
          for (const row of batch) {
            rows.push({ ...row, provider: row.provider ?? providers.campaigns });
            numbers.add(row.to);
          }
          if (batch.length < PAGE) break;
          after = batch.at(-1)!.position ?? null;
        }
        const there = await store.getCampaign(campaign.id);
        if (there) {
          if (there.fingerprint !== campaign.fingerprint) {
            throw new Error(
              `cannot take over the campaign "${campaign.id}": the store holds another list under its name`,
            );
          }
          continue; // moved by an earlier start that stopped before the end
        }
        // Named, as its entries are: a worker of another provider reads it and places none.
        await store.insertCampaign(
          { ...campaign, provider: campaign.provider ?? providers.campaigns },
          rows,
        );
        counts.campaigns += 1;
        counts.entries += rows.length;
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  counts.entries += await moveOwnRows(store, old, providers.campaigns, numbers);
  counts.records = await moveRecords(store, old, numbers);
  counts.suppressions = await moveSuppressions(store, old);
  if (Object.values(counts).some((n) => n > 0)) {
    logger.info(
      { ...counts },
      'took over the campaigns’ store: everything is in the one store now',
    );
  }
  return counts;
}

/** Names `provider` on every row of `store` that names none; resolves to how many. */
async function nameProviders(store: Store, provider: string): Promise<number> {
  let named = 0;
  let cursor: string | null = null;
  do {
    const page = await store.list({ cursor, limit: PAGE });
    for (const row of page.items) {
      if (row.provider != null) continue;
      // A row written meanwhile is read again: nothing else runs on the store yet.
      await store.update(row.id, row.version, { provider });
      named += 1;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return named;
}

/** Rows of `old` outside every campaign (none in a store the demo made): inserted as they are. */
async function moveOwnRows(
  store: Store,
  old: Store,
  provider: string,
  numbers: Set<string>,
): Promise<number> {
  let moved = 0;
  let cursor: string | null = null;
  do {
    const page = await old.list({ cursor, limit: PAGE });
    for (const row of page.items) {
      numbers.add(row.to);
      if (await store.get(row.id)) continue;
      await store.insert({ ...row, provider: row.provider ?? provider });
      moved += 1;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return moved;
}

/**
 * Every call record of `old` that names one of `numbers` (the campaigns' numbers, whose records
 * are all a campaign writes), saved by id: a record moved twice is one.
 */
async function moveRecords(store: Store, old: Store, numbers: Set<string>): Promise<number> {
  const seen = new Set<string>();
  for (const phone of numbers) {
    let cursor: string | null = null;
    do {
      const page = await old.listCallLog({ phone: phone, cursor, limit: PAGE });
      for (const record of page.items) {
        if (seen.has(record.id)) continue;
        seen.add(record.id);
        await store.saveCallRecord(record);
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  return seen.size;
}

/** The do-not-call entries of `old`: a number listed in `store` already keeps its entry. */
async function moveSuppressions(store: Store, old: Store): Promise<number> {
  if (!old.listSuppressions || !store.suppress || !store.getSuppression) return 0;
  let moved = 0;
  let after: string | null = null;
  for (;;) {
    const page = await old.listSuppressions({ afterPhone: after, limit: PAGE });
    if (page.length === 0) break;
    const missing = [];
    for (const entry of page) if (!(await store.getSuppression(entry.phone))) missing.push(entry);
    if (missing.length > 0) await store.suppress(missing);
    moved += page.length;
    after = page.at(-1)!.phone;
  }
  return moved;
}
