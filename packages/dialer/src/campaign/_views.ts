import type { AttemptCounts, StoredCampaign } from '@ringkit/scheduler-core';
import type { DialerEntry, DialerSnapshot, LeaseWait } from '../types.js';
import type { CampaignProgress, CampaignStateName, CampaignView } from './types.js';

const LIVE_ENTRY = new Set(['dialing', 'initiated', 'ringing', 'answered']);

/** Nothing dialed yet: every count 0. */
export const noProgress = (): CampaignProgress => ({
  dialed: 0,
  live: 0,
  completed: 0,
  missed: 0,
  unknown: 0,
  canceled: 0,
  suppressed: 0,
});

/** What an entry's part in a campaign's view is read from. */
type Counted = Pick<DialerEntry, 'attempts' | 'status' | 'error' | 'outcomes'> & {
  endedAt: unknown;
};

/**
 * Adds one entry's part (`by` 1) to a campaign's progress and attempts, or takes it away (`by`
 * -1, the entry as it was counted): the one rule of both, kept as entries move by a dialer's
 * mirror, and summed over a snapshot's entries.
 */
export function countEntry(
  progress: CampaignProgress,
  attempts: AttemptCounts,
  entry: Counted,
  by: 1 | -1,
): void {
  if (entry.attempts > 0) progress.dialed += by;
  if (LIVE_ENTRY.has(entry.status)) progress.live += by;
  for (const [outcome, n] of Object.entries(entry.outcomes ?? {})) {
    const key = outcome as keyof AttemptCounts;
    const sum = (attempts[key] ?? 0) + by * n;
    if (sum === 0) delete attempts[key];
    else attempts[key] = sum;
  }
  const outcome = endedAs(entry);
  if (outcome !== null) progress[outcome] += by;
}

/** What an entry ended as, in a campaign's view; `null` while it has not ended. */
export type EndedAs = 'completed' | 'missed' | 'unknown' | 'canceled' | 'suppressed';

/**
 * What an entry ended as: the one rule of a campaign's tallies and of `dialAgain`'s choice.
 * `null` while it has not ended (a retry still to come is neither live nor ended).
 */
export function endedAs(entry: Omit<Counted, 'attempts' | 'outcomes'>): EndedAs | null {
  if (entry.endedAt === null) return null;
  if (entry.status === 'completed') return 'completed';
  if (entry.status === 'canceled') return 'canceled';
  if (entry.status === 'suppressed') return 'suppressed';
  if (entry.error?.reason === 'outcome_unknown') return 'unknown';
  return 'missed';
}

/** What a campaign's view is made of, of its dialer: its state and its entries' tallies. */
export interface CampaignSummary extends Pick<DialerSnapshot, 'state' | 'concurrency' | 'stopped'> {
  leaseWait: LeaseWait | null;
  progress: CampaignProgress;
  attempts: AttemptCounts;
}

/** The summary of a snapshot, its entries counted one by one. */
export function summaryOf(snapshot: DialerSnapshot): CampaignSummary {
  const progress = noProgress();
  const attempts: AttemptCounts = {};
  for (const entry of snapshot.entries) countEntry(progress, attempts, entry, 1);
  const { state, concurrency, stopped } = snapshot;
  return { state, concurrency, stopped, leaseWait: snapshot.leaseWait ?? null, progress, attempts };
}

/** The campaign's state as a person reads it: stopped wins, then done, then paused. */
export function stateOf(
  campaign: StoredCampaign,
  dialer: Pick<DialerSnapshot, 'state' | 'stopped'>,
): CampaignStateName {
  if (campaign.state === 'stopped' || dialer.stopped) return 'stopped';
  if (dialer.state === 'done') return 'done';
  return dialer.state === 'paused' ? 'paused' : 'running';
}

/** The campaign's view: its row as stored, and its dialer's summary (or snapshot). */
export function viewOf(
  campaign: StoredCampaign,
  dialer: CampaignSummary | DialerSnapshot,
): CampaignView {
  const summary = 'entries' in dialer ? summaryOf(dialer) : dialer;
  return {
    campaign,
    state: stateOf(campaign, summary),
    concurrency: summary.concurrency,
    progress: { ...summary.progress },
    attempts: { ...summary.attempts },
    leaseWait: summary.leaseWait,
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
