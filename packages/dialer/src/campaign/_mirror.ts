import { clampTimerMs, DEFAULT_CALL_TIMEOUT_MS, type SafeEmitter } from '@ringkit/internal';
import type { Clock } from '@ringkit/call-client';
import type { AttemptCounts, StoredCall, StoredCampaign } from '@ringkit/scheduler-core';
import { entryView, type EntryState } from '../_entry.js';
import type {
  DialerCounts,
  DialerEntryStatus,
  DialerEvents,
  DialerSnapshot,
  DialerState,
  LeaseWait,
} from '../types.js';
import {
  entryOf,
  errorOf,
  heldAt,
  idleEntry,
  inDoubtOf,
  isFinal,
  type RowEntry,
  type RowView,
} from './_entry-of.js';
import { countEntry, noProgress, type CampaignSummary } from './_views.js';

/** Where an entry's status stands in its attempt: statuses only move forward within one. */
const RANK: Record<DialerEntryStatus, number> = {
  idle: 0,
  dialing: 1,
  initiated: 2,
  ringing: 3,
  answered: 4,
  completed: 5,
  busy: 5,
  'no-answer': 5,
  failed: 5,
  canceled: 5,
  suppressed: 5,
};

/** One entry of the mirror: what `snapshot()` shows, and how far its row has been seen. */
export interface Slot {
  entry: EntryState;
  id: string;
  /** The row's attempt as last seen, with the entry's rank in it. */
  attempt: number;
  /** A `scheduled` row waiting for its next attempt (not `idle`: it was dialed before). */
  waiting: boolean;
  /** The entry ended for good. */
  done: boolean;
  /** The worker holding its row by a lease, as last read from the store (`null`: none, or this one). */
  lease: { owner: string; until: number } | null;
  /**
   * Its row is claimed (`queued`) and not shown as placed yet: another worker's, or one not
   * marked. Shown as it was before the claim, since a pause, a stop or its window may still hand
   * it back unsent.
   */
  claimed?: boolean;
  /** While it ended in doubt: when its call can no longer be ringing (`placingAt + callTimeoutMs`). */
  holdUntil?: number;
}

/**
 * The durable dialer's copy of its campaign: the entries by position (from the rows it adopts
 * and the rows it is shown, by its engine or by the store), their tallies, and the campaign's
 * state as last read. `apply` turns each row into events for what moved, and nothing for what
 * is stale.
 */
export class CampaignMirror {
  state: DialerState = 'idle';
  stopped = false;
  concurrency: number;
  /** The campaign's call timeout: how long a placement of unknown outcome holds its slot. */
  callTimeoutMs: number;
  /** Every entry has ended: `drained` was told. */
  drained = false;
  /**
   * `drained` waits, too, until no entry ended in doubt may still be ringing (its slot held): the
   * in-memory dialer's rule, where a durable campaign is done once every entry has ended.
   */
  drainAfterDoubt = false;
  /** The first entry this mirror holds idle (every entry before it was dialed). */
  frontier = 0;
  /**
   * The entries by position. A finished entry whose row `retention` deleted is a hole: the
   * snapshot and the counts are of the entries still stored.
   */
  readonly slots: (Slot | undefined)[] = [];
  /** Entries the store may still change: dialed and not ended, or ended in doubt. */
  readonly active = new Set<Slot>();
  private readonly byId = new Map<string, Slot>();
  /** Entries by status, ended and in flight: kept as entries move, so a change costs O(1). */
  private readonly tally = Object.fromEntries(Object.keys(RANK).map((s) => [s, 0])) as DialerCounts;
  /** The campaign's progress and attempts, kept as entries move (see `countEntry`). */
  private readonly progressTally = noProgress();
  private readonly attemptsTally: AttemptCounts = {};
  /** The newest version of the campaign's row taken (see `takeCampaign`). */
  private campaignVersion = 0;
  private stored = 0;
  private ended = 0;
  private inFlight = 0;
  /** Entries that ended in doubt, whose call may still be ringing: the campaign is not drained. */
  private doubtful = 0;
  /** The one timer that lets go of the doubt of the entry whose hold ends first (see `watchDoubt`). */
  private doubtTimer: unknown = null;
  private doubtAt = Number.POSITIVE_INFINITY;
  private readonly held: (row: RowView) => boolean;
  /** The events of the row being applied (see `tell`). */
  private readonly told: (() => void)[] = [];

  constructor(
    private readonly events: SafeEmitter<DialerEvents>,
    private readonly clock: Clock,
    options: { concurrency?: number | undefined; callTimeoutMs?: number | undefined },
    /** This process's worker id: a lease of any other is another worker's. */
    private readonly workerId: string,
  ) {
    this.concurrency = options.concurrency ?? 3;
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.held = heldAt(
      () => clock.now(),
      () => this.callTimeoutMs,
    );
  }

  /**
   * Takes the campaign as a write answered it or a read found it: its state, whether it is
   * stopped, its concurrency. A version older than one taken before is stale (a read under way
   * while this process paused or resumed it) and changes nothing. Returns whether the state or
   * the concurrency moved.
   */
  takeCampaign(campaign: StoredCampaign): boolean {
    if (campaign.version < this.campaignVersion) return false;
    this.campaignVersion = campaign.version;
    const before = { concurrency: this.concurrency, state: this.state };
    this.concurrency = campaign.concurrency;
    this.stopped = campaign.state === 'stopped';
    if (!this.drained) this.state = campaign.state === 'paused' ? 'paused' : 'running';
    return this.concurrency !== before.concurrency || this.state !== before.state;
  }

  /** The entry of the row with this id, once adopted. */
  slotOf(id: string): Slot | undefined {
    return this.byId.get(id);
  }

  /** Takes in a row of the campaign, as a new entry not dialed yet. */
  adopt(row: StoredCall): void {
    const index = row.position ?? this.slots.length;
    const slot: Slot = {
      id: row.id,
      attempt: 1,
      waiting: false,
      done: false,
      lease: null,
      entry: idleEntry(index, row.to),
    };
    this.slots[index] = slot;
    this.byId.set(row.id, slot);
    this.tallyOf(slot, 1);
  }

  snapshot(): DialerSnapshot {
    const leaseWait = this.leaseWait();
    return {
      state: this.state,
      concurrency: this.concurrency,
      stopped: this.stopped,
      entries: this.slots
        .filter((slot): slot is Slot => slot !== undefined)
        .map((s) => entryView(s.entry)),
      ...(leaseWait ? { leaseWait } : {}),
    };
  }

  /**
   * What the campaign's view is made of, from the tallies kept as entries move: no entry is
   * copied, so a view of a list of 10,000 costs no more than one of 10.
   */
  summary(): CampaignSummary {
    const { state, concurrency, stopped } = this;
    return {
      state,
      concurrency,
      stopped,
      leaseWait: this.leaseWait(),
      progress: { ...this.progressTally },
      attempts: { ...this.attemptsTally },
    };
  }

  /**
   * The entries in flight whose row another worker holds by a lease that has not run out (a
   * process that died holds them until then), and when the latest of those leases runs out.
   */
  private leaseWait(): LeaseWait | null {
    const now = this.clock.now();
    let entries = 0;
    let until = 0;
    for (const slot of this.active) {
      const { lease } = slot;
      if (!lease || lease.owner === this.workerId || lease.until <= now) continue;
      if (!this.isInFlight(slot) && !slot.claimed) continue;
      entries += 1;
      until = Math.max(until, lease.until);
    }
    return entries === 0 ? null : { entries, until: new Date(until) };
  }

  /** `progress` was told at least once. */
  progressed = false;

  /** Emits `progress`, and `drained` the first time every entry has ended. */
  progress(): void {
    this.progressed = true;
    const { events, stored, ended } = this;
    const counts = { ...this.tally };
    events.emit('progress', { total: stored, ended, inFlight: this.inFlight, counts });
    const held = this.drainAfterDoubt && this.doubtful > 0;
    if (ended === stored && stored > 0 && !held && !this.drained) {
      this.drained = true;
      this.state = 'done';
      events.emit('drained', { total: stored, counts, at: new Date(this.clock.now()) });
    }
  }

  /**
   * Applies a row to its entry: events for what moved; nothing for what is stale. `quiet`: the
   * entry takes the row as it stands with no event, as a worker joining the campaign reads it
   * before its first claim (what happened before is not news: an entry met mid-call was never
   * `idle` to it); what moves afterwards is told from there.
   */
  apply(row: RowView, { quiet = false }: { quiet?: boolean } = {}): boolean {
    const slot = this.byId.get(row.id);
    if (!slot) return false;
    const view = entryOf(row);
    const { status, waiting } = view;
    const entry = slot.entry;
    const previous = entry.status;
    // A row seen before, or a status behind the one shown: stale, keep what is known. A `queued`
    // row read from the store while its attempt is being placed shows the attempt before, which
    // this entry may have shown made already. (A row handed back unsent after its mark, by the
    // do-not-call list or its window at the last instant, is no such row: it moves on.)
    if (row.attempt < slot.attempt) return false;
    if (row.attempt === slot.attempt && row.status === 'queued' && view.attempt < entry.attempts) {
      return false;
    }
    // An outcome that was unknown may be learned after all (the placing worker wrote the
    // provider's late answer): the attempt goes on from there, as the memory dialer's does.
    const unknownBefore = slot.done && entry.error?.reason === 'outcome_unknown';
    const stillUnknown = row.status === 'failed' && row.reason === 'outcome_unknown';
    if (
      row.attempt === slot.attempt &&
      !waiting &&
      !slot.waiting &&
      RANK[status] < RANK[previous] &&
      !(unknownBefore && !stillUnknown)
    ) {
      return false;
    }
    // A row of this process's own engine is held by it, or by no one.
    slot.lease = row.lease ?? null;
    // Counted again below, where it joins the entries the store may still change.
    slot.claimed = row.status === 'queued' && view.attempt < row.attempt;
    if (row.attempt === slot.attempt && status === previous && waiting === slot.waiting) {
      this.tallyOf(slot, -1);
      const learned = this.learn(slot, row, view, quiet);
      this.tallyOf(slot, 1); // its doubt may have passed
      this.flushTold();
      return learned;
    }
    const attemptsBefore = entry.attempts;
    this.tallyOf(slot, -1);
    slot.attempt = row.attempt;
    slot.waiting = waiting;
    entry.status = status;
    entry.attempts = view.attempt;
    entry.callId = view.callId;
    this.learn(slot, row, view, quiet);
    const final = isFinal(row);
    entry.inDoubt = inDoubtOf(row, this.held);
    this.watchDoubt(slot, row);
    const error = errorOf(entry.index, view, row.cause);
    if (error) entry.error = error;
    else delete entry.error;
    // An entry that waited for a retry and ends (stopped) with the outcome it showed: no move.
    const moved = !(final && status === previous && view.attempt === attemptsBefore);
    if (!quiet) this.announce(slot, row, view, { previous, moved, attemptsBefore });
    if (final && (!slot.done || previous !== status)) {
      // Ended, or its end learned again (the real outcome of an unknown one): told each time.
      slot.done = true;
      entry.endedAt = view.endedAt;
      if (!quiet) this.tell('finished', entryView(entry));
    } else if (!final && slot.done) {
      // Dialed again (`redialUnknown()`): not ended any more.
      slot.done = false;
      entry.endedAt = null;
      if (this.drained) {
        this.drained = false;
        this.state = 'running';
      }
    }
    this.tallyOf(slot, 1);
    this.flushTold();
    return true;
  }

  /** Keeps an event of the row being applied, told once its entry is counted again. */
  private tell<K extends keyof DialerEvents>(type: K, event: DialerEvents[K]): void {
    this.told.push(() => this.events.emit(type, event));
  }

  /** Tells the events of the row just applied, its entry counted again: a listener reads the tallies whole. */
  private flushTold(): void {
    for (const tell of this.told.splice(0)) tell();
  }

  /** The `dialing` and `status` events of an entry that moved to `view`. */
  private announce(
    slot: Slot,
    row: RowView,
    view: RowEntry,
    {
      previous,
      moved,
      attemptsBefore,
    }: { previous: DialerEntryStatus; moved: boolean; attemptsBefore: number },
  ) {
    const { entry } = slot;
    const { status, waiting } = view;
    const at = new Date(this.clock.now());
    // Every attempt made is told once, as this process first sees it: from its own engine as
    // its request leaves, from the store once another worker wrote how it went.
    if (view.attempt > attemptsBefore) {
      this.tell('dialing', {
        index: entry.index,
        phone: entry.phone,
        attempt: view.attempt,
        at,
      });
    }
    if (!moved) return;
    const word = [...row.events].reverse().find((e) => e.attempt === view.attempt)?.providerStatus;
    this.tell('status', {
      index: entry.index,
      phone: entry.phone,
      status,
      previous,
      callId: entry.callId,
      // A row waiting for its next attempt tells how the last one ended.
      attempt: view.attempt,
      ...(word === undefined ? {} : { providerStatus: word }),
      answeredBy: entry.answeredBy,
      willRetry: waiting,
      at,
    });
  }

  /** What the row says that moves no status: its start, who answered and when, its doubt. */
  private learn(slot: Slot, row: RowView, view: RowEntry, quiet: boolean): boolean {
    const entry = slot.entry;
    // An unknown outcome stops being in doubt once its call can no longer be ringing.
    const doubt = inDoubtOf(row, this.held);
    const moved = doubt !== entry.inDoubt || view.startedAt !== entry.startedAt;
    entry.inDoubt = doubt;
    this.watchDoubt(slot, row);
    entry.startedAt = view.startedAt;
    entry.outcomes = view.outcomes;
    if (view.answeredAt === entry.answeredAt && view.answeredBy === entry.answeredBy) return moved;
    entry.answeredAt = view.answeredAt;
    entry.answeredBy = view.answeredBy;
    if (slot.done && !quiet) this.tell('finished', entryView(entry));
    return true;
  }

  /**
   * Keeps the time an entry ended in doubt stops being in doubt (its row's `placingAt`, once
   * known, plus `callTimeoutMs`), on one timer for the earliest: then it is told `finished` again,
   * no longer in doubt, and the campaign may drain, with no read of the store.
   */
  private watchDoubt(slot: Slot, row: RowView) {
    if (!slot.entry.inDoubt || row.placingAt === null) return;
    slot.holdUntil = row.placingAt + this.callTimeoutMs;
    if (slot.holdUntil < this.doubtAt) this.armDoubt(slot.holdUntil);
  }

  private armDoubt(at: number) {
    if (this.doubtTimer !== null) this.clock.clearTimeout(this.doubtTimer);
    this.doubtAt = at;
    const wait = clampTimerMs(Math.max(0, at - this.clock.now()));
    this.doubtTimer = this.clock.setTimeout(() => this.doubtPassed(), wait);
  }

  /** Lets go of every entry whose hold has passed; arms the timer for the next one. */
  private doubtPassed() {
    this.doubtTimer = null;
    this.doubtAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    let moved = false;
    for (const slot of [...this.active]) {
      const until = slot.holdUntil;
      if (!slot.entry.inDoubt || until === undefined) continue;
      if (until > now) {
        next = Math.min(next, until);
        continue;
      }
      this.tallyOf(slot, -1);
      slot.entry.inDoubt = false;
      delete slot.holdUntil;
      this.tallyOf(slot, 1);
      this.tell('finished', entryView(slot.entry));
      this.flushTold();
      moved = true;
    }
    if (next !== Number.POSITIVE_INFINITY) this.armDoubt(next);
    if (moved) this.progress();
  }

  /** No timer left armed: the dialer is closed. */
  close(): void {
    if (this.doubtTimer !== null) this.clock.clearTimeout(this.doubtTimer);
    this.doubtTimer = null;
    this.doubtAt = Number.POSITIVE_INFINITY;
  }

  private isInFlight(slot: Slot): boolean {
    const rank = RANK[slot.entry.status];
    return !slot.done && rank >= 1 && rank <= 4;
  }

  private tallyOf(slot: Slot, by: 1 | -1) {
    this.tally[slot.entry.status] += by;
    countEntry(this.progressTally, this.attemptsTally, slot.entry, by);
    this.stored += by;
    if (slot.done) this.ended += by;
    if (slot.done && slot.entry.inDoubt) this.doubtful += by;
    else if (this.isInFlight(slot)) this.inFlight += by;
    if (
      by === 1 &&
      (slot.entry.status !== 'idle' || slot.waiting || slot.claimed) &&
      (!slot.done || slot.entry.inDoubt)
    ) {
      this.active.add(slot);
    } else this.active.delete(slot);
  }
}
