/**
 * Reading and changing one campaign, for `createCampaigns`: through this process's dialer when
 * it works the campaign (joining a live one), else from the store; `results` a page at a time.
 */
import { systemClock } from '@ringkit/call-client';
import { DEFAULT_CALL_TIMEOUT_MS } from '@ringkit/internal';
import { ConflictError, type ScheduledCallStatus } from '@ringkit/scheduler-core';
import { entryView } from '../_entry.js';
import type { CampaignDialer, DialerEntry, DialerSnapshot } from '../types.js';
import { summaryOfDialer } from './_dialer.js';
import { heldAt, storedEntry } from './_entry-of.js';
import { viewOf } from './_views.js';
import type { WorkedCampaigns } from './_worked.js';
import type { CampaignEntriesPage, CampaignView } from './types.js';

/** A done campaign's snapshot, through a dialer opened for that read alone. */
async function readDone(worked: WorkedCampaigns, name: string): Promise<DialerSnapshot> {
  const dialer = worked.dialerOf(name);
  try {
    await dialer.start();
    return dialer.snapshot();
  } finally {
    await dialer.close();
  }
}

/** The view and snapshot: from this process's dialer (joining a live campaign), else the store. */
export async function read(
  worked: WorkedCampaigns,
  name: string,
): Promise<{ view: CampaignView; snapshot: DialerSnapshot }> {
  const row = await worked.stored(name);
  const done = worked.dialers.has(name) ? undefined : worked.finished.get(name, row.version);
  if (done?.snapshot) return { view: done.view, snapshot: done.snapshot };
  let dialer = worked.dialers.get(name);
  // Closed, a live campaign is read as stored, not joined.
  if (!dialer && !worked.closed && (await worked.hasLiveRows(name))) {
    dialer = await worked.join(name);
  }
  if (dialer) {
    const snapshot = dialer.snapshot();
    const latest = worked.rows.get(name) ?? row;
    return { view: viewOf(row.version >= latest.version ? row : latest, snapshot), snapshot };
  }
  const snapshot = await readDone(worked, name);
  const view = viewOf(row, snapshot);
  worked.finished.keep(name, row.version, view, snapshot);
  return { view, snapshot };
}

/**
 * The campaign's entries as stored, read `pageSize` rows at a time: each row is read into its
 * entry as the dialers' mirror reads it, so a campaign at rest yields what `snapshot()` shows.
 */
export async function* readResults(
  worked: WorkedCampaigns,
  name: string,
  pageSize: number,
): AsyncGenerator<DialerEntry> {
  const { store } = worked;
  const row = await worked.stored(name);
  const held = storedHold(worked, row.settings);
  let after: number | null = null;
  let count = 0;
  for (;;) {
    const page = await store.listCampaignCalls(name, { afterPosition: after, limit: pageSize });
    for (const call of page) {
      yield entryView(storedEntry(call, call.position ?? count, held));
      count += 1;
    }
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.position ?? null;
  }
}

/** The `held` of a campaign's entries read from the store: its own `callTimeoutMs`. */
export function storedHold(worked: WorkedCampaigns, settings: Record<string, unknown>) {
  const callTimeoutMs = Number(
    settings['callTimeoutMs'] ?? worked.shared.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
  );
  const clock = worked.shared.clock ?? systemClock;
  return heldAt(
    () => clock.now(),
    () => callTimeoutMs,
  );
}

/** One page of a campaign's entries in list order, its rows filtered by status in the store. */
export async function readEntries(
  worked: WorkedCampaigns,
  name: string,
  query: { status?: readonly ScheduledCallStatus[]; after: number | null; limit: number },
): Promise<CampaignEntriesPage> {
  const row = await worked.stored(name);
  const held = storedHold(worked, row.settings);
  const rows = await worked.store.listCampaignCalls(name, {
    ...(query.status ? { status: [...query.status] } : {}),
    afterPosition: query.after,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const items = page.map((call) => entryView(storedEntry(call, call.position ?? 0, held)));
  const last = page[page.length - 1];
  return {
    items,
    nextCursor: rows.length > query.limit && last ? (last.position ?? null) : null,
  };
}

/**
 * Marks a campaign whose every entry has ended archived, or not (`archived: false`), at the
 * store's compare-and-set. `ConflictError` `campaign_not_done` while an entry may still be dialed.
 */
export async function archive(
  worked: WorkedCampaigns,
  name: string,
  archived: boolean,
): Promise<CampaignView> {
  const clock = worked.shared.clock ?? systemClock;
  for (;;) {
    const row = await worked.stored(name);
    if (await worked.hasLiveRows(name)) {
      throw new ConflictError({
        reason: 'campaign_not_done',
        id: name,
        message: `Campaign ${JSON.stringify(name)} is not done: only a campaign whose every entry has ended can be archived`,
        status: row.state,
      });
    }
    if ((row.archivedAt !== null) === archived) return (await read(worked, name)).view;
    try {
      await worked.store.updateCampaign(name, row.version, {
        archivedAt: archived ? clock.now() : null,
      });
    } catch (error) {
      if (error instanceof ConflictError && error.reason === 'version_conflict') continue;
      throw error;
    }
    const view = (await read(worked, name)).view;
    worked.events.emit('changed', { campaign: name, view });
    return view;
  }
}

/** Runs `act` on the campaign's dialer: its own, or one opened for it alone when it is done. */
export async function change(
  worked: WorkedCampaigns,
  name: string,
  act: (dialer: CampaignDialer) => Promise<unknown>,
): Promise<CampaignView> {
  await worked.stored(name);
  let dialer = worked.dialers.get(name);
  if (!dialer && (await worked.hasLiveRows(name))) dialer = await worked.join(name);
  if (dialer) {
    await act(dialer);
    const row = await worked.stored(name);
    worked.rows.set(name, row);
    worked.changed(name);
    return viewOf(row, summaryOfDialer(dialer));
  }
  const once = worked.dialerOf(name);
  try {
    await once.start();
    await act(once);
    const row = await worked.stored(name);
    const view = viewOf(row, once.snapshot());
    worked.finished.keep(name, row.version, view, once.snapshot());
    worked.events.emit('changed', { campaign: name, view });
    return view;
  } finally {
    await once.close();
  }
}

/**
 * Pause, resume and stop refuse a campaign whose every entry has ended (a stop would change
 * the state it was reported in); pause and resume refuse a stopped one on their own. "Ended" is
 * read from the store, not from this process's view, which may not have caught up with the end
 * another process reported.
 */
export const unlessDone =
  (worked: WorkedCampaigns, name: string, act: (dialer: CampaignDialer) => Promise<void>) =>
  async (dialer: CampaignDialer) => {
    const snapshot = dialer.snapshot();
    const ended =
      (snapshot.state === 'done' && !snapshot.stopped) ||
      ((await worked.stored(name)).state !== 'stopped' && !(await worked.hasLiveRows(name)));
    if (ended) {
      throw new ConflictError({
        reason: 'campaign_done',
        id: dialer.campaign,
        message: `Campaign ${JSON.stringify(dialer.campaign)} is done: every entry has ended`,
        status: 'done',
      });
    }
    await act(dialer);
  };
