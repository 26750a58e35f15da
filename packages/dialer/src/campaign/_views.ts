import type { AttemptCounts, StoredCampaign } from '@ringkit/scheduler-core';
import type { DialerEntry, DialerSnapshot } from '../types.js';
import type { CampaignProgress, CampaignStateName, CampaignView } from './types.js';

const LIVE_ENTRY = new Set(['dialing', 'initiated', 'ringing', 'answered']);

/** What became of a campaign's entries. */
export function progressOf(entries: readonly DialerEntry[]): CampaignProgress {
  const progress = {
    dialed: 0,
    live: 0,
    completed: 0,
    missed: 0,
    unknown: 0,
    canceled: 0,
    suppressed: 0,
  };
  for (const entry of entries) {
    if (entry.attempts > 0) progress.dialed += 1;
    if (LIVE_ENTRY.has(entry.status)) progress.live += 1;
    // A retry still to come is neither live nor ended.
    if (entry.endedAt === null) continue;
    if (entry.status === 'completed') progress.completed += 1;
    else if (entry.status === 'canceled') progress.canceled += 1;
    else if (entry.status === 'suppressed') progress.suppressed += 1;
    else if (entry.error?.reason === 'outcome_unknown') progress.unknown += 1;
    else progress.missed += 1;
  }
  return progress;
}

/** The attempts of a campaign's entries by how each ended. */
export function attemptsOf(entries: readonly DialerEntry[]): AttemptCounts {
  const total: AttemptCounts = {};
  for (const entry of entries) {
    for (const [outcome, n] of Object.entries(entry.outcomes ?? {})) {
      const key = outcome as keyof AttemptCounts;
      total[key] = (total[key] ?? 0) + n;
    }
  }
  return total;
}

/** The campaign's state as a person reads it: stopped wins, then done, then paused. */
export function stateOf(campaign: StoredCampaign, snapshot: DialerSnapshot): CampaignStateName {
  if (campaign.state === 'stopped' || snapshot.stopped) return 'stopped';
  if (snapshot.state === 'done') return 'done';
  return snapshot.state === 'paused' ? 'paused' : 'running';
}

export function viewOf(campaign: StoredCampaign, snapshot: DialerSnapshot): CampaignView {
  return {
    campaign,
    state: stateOf(campaign, snapshot),
    concurrency: snapshot.concurrency,
    progress: progressOf(snapshot.entries),
    attempts: attemptsOf(snapshot.entries),
    leaseWait: snapshot.leaseWait ?? null,
  };
}

/**
 * The views of campaigns that are done and worked by no one here (they no longer change, but
 * for the version of their row), with the snapshots of the latest read while their entries
 * together stay under `entriesKept`.
 */
export function createFinishedViews(entriesKept: number) {
  const finished = new Map<
    string,
    { version: number; view: CampaignView; snapshot: DialerSnapshot | undefined }
  >();
  let held = 0;
  return {
    /** The view of `name` at `version`, and its snapshot when still held. */
    get(name: string, version: number) {
      const done = finished.get(name);
      return done?.version === version ? done : undefined;
    },
    keep(name: string, version: number, view: CampaignView, snapshot: DialerSnapshot) {
      this.forget(name);
      // An entry in doubt changes with time (its hold ends): such a snapshot is read again.
      const settled = !snapshot.entries.some((entry) => entry.inDoubt);
      const kept = settled && snapshot.entries.length <= entriesKept ? snapshot : undefined;
      finished.set(name, { version, view, snapshot: kept });
      held += kept?.entries.length ?? 0;
      // The oldest read give their entries back first; the views stay.
      for (const done of finished.values()) {
        if (held <= entriesKept) break;
        if (!done.snapshot) continue;
        held -= done.snapshot.entries.length;
        done.snapshot = undefined;
      }
    },
    forget(name: string) {
      const done = finished.get(name);
      if (!done) return;
      held -= done.snapshot?.entries.length ?? 0;
      finished.delete(name);
    },
    /** Entries held, across every finished campaign. */
    get held() {
      return held;
    },
  };
}
