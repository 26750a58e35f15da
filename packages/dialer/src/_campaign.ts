import {
  isTerminal,
  systemClock,
  type AnsweredBy,
  type CallStatus,
  type CallStatusEvent,
} from '@ringkit/call-client';
import { createSafeEmitter } from '@ringkit/internal';
import {
  createCampaignRunner,
  type CampaignRunner,
  type ScheduledCall,
  type StoredCall,
  type StoredEvent,
} from '@ringkit/scheduler-core';
import { z } from 'zod';
import { entryView, type EntryState } from './_entry.js';
import { normalise } from './_options.js';
import { DialAttemptError, hangUpUnsupported, invalidOptions } from './errors.js';
import type { DialAttemptFailure } from './errors.js';
import type {
  CampaignDialer,
  CampaignDialerOptions,
  DialerCounts,
  DialerEntryStatus,
  DialerEvents,
  DialerSnapshot,
  DialerState,
} from './types.js';

const LIVE = ['queued', 'initiated', 'ringing', 'answered'] as const;
const PAGE = 1000;

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
};

/** The scheduler's reasons of an attempt that failed without the provider saying so. */
const FAILURES: Record<string, DialAttemptFailure> = {
  placement_failed: 'place_failed',
  outcome_unknown: 'outcome_unknown',
  timeout: 'timeout',
  watch_failed: 'watch_failed',
};

/** What the mirror needs of a row, from the store or from one of the engine's events. */
interface RowView {
  id: string;
  status: StoredCall['status'];
  attempt: number;
  providerCallId: string | null;
  reason: string | null;
  updatedAt: number;
  placingAt: number | null;
  events: StoredEvent[];
}

const fromStored = (row: StoredCall): RowView => ({
  id: row.id,
  status: row.status,
  attempt: row.attempt,
  providerCallId: row.providerCallId,
  reason: row.reason,
  updatedAt: row.updatedAt,
  placingAt: row.placingAt,
  events: row.events ?? [],
});

const fromCall = (call: ScheduledCall): RowView => ({
  id: call.id,
  status: call.status,
  attempt: call.attempt,
  providerCallId: call.providerCallId,
  reason: call.reason,
  updatedAt: call.updatedAt.getTime(),
  placingAt: null,
  events: call.events.map((e) => ({ ...e, at: e.at.getTime() })),
});

/** One entry of the mirror: what `snapshot()` shows, and how far its row has been seen. */
interface Slot {
  entry: EntryState;
  id: string;
  /** The row's attempt as last seen, with the entry's rank in it. */
  attempt: number;
  /** A `scheduled` row waiting for its next attempt (not `idle`: it was dialed before). */
  waiting: boolean;
  /** The entry ended for good. */
  done: boolean;
}

const refreshSchema = z.number().int().min(10).max(3_600_000);

/**
 * The durable dialer: `createDialer({ …, store, campaign })`. scheduler-core's campaign runner
 * does the work (claims under the campaign's cap, placement, following, outcomes, retries,
 * pacing, windows, history); this keeps a mirror of the campaign's rows for `snapshot()` and the
 * dialer's events, from this process's engine at once and from the store every
 * `refreshIntervalMs` (what other processes did).
 */
export function createCampaignDialer(options: CampaignDialerOptions): CampaignDialer {
  const {
    store,
    provider,
    campaign,
    refreshIntervalMs = 1000,
    numbers,
    defaultCountry = 'US',
  } = options;
  const refreshCheck = refreshSchema.safeParse(refreshIntervalMs);
  if (!refreshCheck.success) {
    throw invalidOptions(
      'createDialer',
      refreshCheck.error.issues.map((i) => ({ ...i, path: ['refreshIntervalMs', ...i.path] })),
    );
  }
  const list = numbers === undefined ? null : normalise(numbers, defaultCountry, provider);
  const runner: CampaignRunner = createCampaignRunner({
    store,
    provider,
    campaign,
    callerId: options.callerId,
    ...(list
      ? {
          entries: list.phones.map((to, i) => {
            const call = list.calls[i];
            return call === undefined ? { to } : { to, call };
          }),
        }
      : {}),
    ...pick(options, [
      'concurrency',
      'callsPerSecond',
      'window',
      'maxAttempts',
      'retryBackoff',
      'callTimeoutMs',
      'clock',
      'workerId',
      'leaseMs',
      'watchIntervalMs',
      'defaultCountry',
      'tracer',
    ]),
    recheckIntervalMs: refreshIntervalMs,
  });
  const clock = options.clock ?? systemClock;
  const events = createSafeEmitter<DialerEvents>((error, type) => ({
    error,
    source: 'listener',
    event: type,
  }));

  /**
   * The entries by position. A finished entry whose row `retention` deleted is a hole: the
   * snapshot and the counts are of the entries still stored.
   */
  const slots: (Slot | undefined)[] = [];
  const present = () => slots.filter((slot): slot is Slot => slot !== undefined);
  const byId = new Map<string, Slot>();
  let state: DialerState = 'idle';
  let stopped = false;
  let concurrency = options.concurrency ?? 3;
  let callTimeoutMs = options.callTimeoutMs ?? 14_400_000;
  /** The first entry this mirror holds idle (every entry before it was dialed). */
  let frontier = 0;
  let drained = false;
  let started = false;
  let timer: unknown = null;
  let refreshing: Promise<void> | null = null;

  const report = (error: unknown, source: DialerEvents['error']['source'], index?: number) =>
    events.emit('error', index === undefined ? { error, source } : { error, source, index });

  /** Entries by status, ended and in flight: kept as entries move, so a change costs O(1). */
  const tally = Object.fromEntries(Object.keys(RANK).map((s) => [s, 0])) as DialerCounts;
  let stored = 0;
  let ended = 0;
  let inFlight = 0;
  /** Entries the store may still change: dialed and not ended, or ended in doubt. */
  const active = new Set<Slot>();
  const isInFlight = (slot: Slot) =>
    !slot.done && RANK[slot.entry.status] >= 1 && RANK[slot.entry.status] <= 4;
  function tallyOf(slot: Slot, by: 1 | -1) {
    tally[slot.entry.status] += by;
    stored += by;
    if (slot.done) ended += by;
    else if (isInFlight(slot)) inFlight += by;
    if (
      by === 1 &&
      (slot.entry.status !== 'idle' || slot.waiting) &&
      (!slot.done || slot.entry.inDoubt)
    ) {
      active.add(slot);
    } else active.delete(slot);
  }

  function progress() {
    const c = { ...tally };
    events.emit('progress', { total: stored, ended, inFlight, counts: c });
    if (ended === stored && stored > 0 && !drained) {
      drained = true;
      state = 'done';
      events.emit('drained', { total: stored, counts: c, at: new Date(clock.now()) });
    }
  }

  /** The status the entry shows for a row. */
  function statusOf(row: RowView): { status: DialerEntryStatus; waiting: boolean } {
    if (row.status === 'scheduled') {
      if (row.attempt === 1) return { status: 'idle', waiting: false };
      // Waiting for its next attempt: it shows how the last one ended.
      const last = [...row.events]
        .reverse()
        .find((e) => e.attempt === row.attempt - 1 && isTerminal(e.status as CallStatus));
      return { status: (last?.status as DialerEntryStatus | undefined) ?? 'failed', waiting: true };
    }
    if (row.status === 'queued') return { status: 'dialing', waiting: false };
    return { status: row.status, waiting: false };
  }

  /** Applies a row to its entry: events for what moved; nothing for what is stale. */
  function apply(row: RowView): boolean {
    const slot = byId.get(row.id);
    if (!slot) return false;
    const { status, waiting } = statusOf(row);
    const entry = slot.entry;
    const previous = entry.status;
    // A row seen before, or a status behind the one shown: stale, keep what is known.
    if (row.attempt < slot.attempt) return false;
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
    if (row.attempt === slot.attempt && status === previous && waiting === slot.waiting) {
      tallyOf(slot, -1);
      const learned = learn(slot, row);
      tallyOf(slot, 1); // its doubt may have passed
      return learned;
    }
    const newAttempt = row.attempt > slot.attempt && status !== 'idle' && !waiting;
    tallyOf(slot, -1);
    slot.attempt = row.attempt;
    slot.waiting = waiting;
    entry.status = status;
    entry.attempts = status === 'idle' || waiting ? row.attempt - 1 : row.attempt;
    entry.callId = row.providerCallId ?? (newAttempt || status === 'dialing' ? null : entry.callId);
    const first = row.events.find((e) => e.status === 'queued' || e.status === 'initiated');
    entry.startedAt = entry.startedAt ?? first?.at ?? (status === 'idle' ? null : row.updatedAt);
    learn(slot, row);
    const final = isFinal(row);
    entry.inDoubt = row.status === 'failed' && row.reason === 'outcome_unknown' && held(row);
    const failure = row.status === 'failed' && row.reason ? FAILURES[row.reason] : undefined;
    if (failure) {
      entry.error = new DialAttemptError({
        reason: failure,
        index: entry.index,
        attempt: row.attempt,
        callId: row.providerCallId,
        message: `Attempt ${row.attempt} failed: ${row.reason}`,
      });
    } else delete entry.error;
    const at = new Date(clock.now());
    if (status === 'dialing' && previous !== 'dialing') {
      events.emit('dialing', { index: entry.index, phone: entry.phone, attempt: row.attempt, at });
    }
    const told = waiting ? row.attempt - 1 : row.attempt;
    const word = [...row.events].reverse().find((e) => e.attempt === told)?.providerStatus;
    events.emit('status', {
      index: entry.index,
      phone: entry.phone,
      status,
      previous,
      callId: entry.callId,
      // A row waiting for its next attempt tells how the last one ended.
      attempt: waiting ? row.attempt - 1 : row.attempt,
      ...(word === undefined ? {} : { providerStatus: word }),
      answeredBy: entry.answeredBy,
      willRetry: waiting,
      at,
    });
    if (final && (!slot.done || previous !== status)) {
      // Ended, or its end learned again (the real outcome of an unknown one): told each time.
      slot.done = true;
      entry.endedAt = row.updatedAt;
      events.emit('finished', entryView(entry));
    } else if (!final && slot.done) {
      // Dialed again (`redialUnknown()`): not ended any more.
      slot.done = false;
      entry.endedAt = null;
      if (drained) {
        drained = false;
        state = 'running';
      }
    }
    tallyOf(slot, 1);
    return true;
  }

  /** Who answered and when, learned after the status (a late `answered`, machine detection). */
  function learn(slot: Slot, row: RowView): boolean {
    const entry = slot.entry;
    // An unknown outcome stops being in doubt once its call can no longer be ringing.
    const doubt = row.status === 'failed' && row.reason === 'outcome_unknown' && held(row);
    const doubtMoved = doubt !== entry.inDoubt;
    entry.inDoubt = doubt;
    const steps = row.events.filter((e) => e.attempt === row.attempt);
    const answered = steps.find((e) => e.status === 'answered');
    const by = steps.find((e) => e.answeredBy !== undefined)?.answeredBy ?? null;
    const answeredAt = answered?.at ?? null;
    if (answeredAt === entry.answeredAt && by === entry.answeredBy) return doubtMoved;
    entry.answeredAt = answeredAt;
    entry.answeredBy = by as AnsweredBy | null;
    if (slot.done) events.emit('finished', entryView(entry));
    return true;
  }

  const held = (row: RowView) =>
    row.placingAt === null || row.placingAt + callTimeoutMs > clock.now();
  const isFinal = (row: RowView) => isTerminal(row.status as CallStatus);

  function adopt(row: StoredCall) {
    const index = row.position ?? slots.length;
    const slot: Slot = {
      id: row.id,
      attempt: 1,
      waiting: false,
      done: false,
      entry: {
        index,
        phone: row.to,
        status: 'idle',
        callId: null,
        attempts: 0,
        startedAt: null,
        endedAt: null,
        answeredAt: null,
        answeredBy: null,
        inDoubt: false,
      },
    };
    slots[index] = slot;
    byId.set(row.id, slot);
    tallyOf(slot, 1);
  }

  async function load() {
    let after: number | null = null;
    const rows: StoredCall[] = [];
    for (;;) {
      const page: StoredCall[] = await runner.calls({ afterPosition: after, limit: PAGE });
      for (const row of page) {
        adopt(row);
        rows.push(row);
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.position ?? null;
    }
    for (const row of rows) apply(fromStored(row));
  }

  /** Reads what other processes did: the live rows, the ones this mirror saw live, the frontier. */
  async function readStore() {
    const info = await runner.read();
    concurrency = info.concurrency;
    stopped = info.state === 'stopped';
    if (!drained) state = info.state === 'paused' ? 'paused' : 'running';
    let changed = false;
    const live = await runner.calls({ status: [...LIVE], limit: 100_000 });
    const seen = new Set<string>();
    for (const row of live) {
      seen.add(row.id);
      changed = apply(fromStored(row)) || changed;
    }
    if (stopped && !drained) {
      // Entries not dialed end `canceled` (by whichever process stops them): read them all.
      let after: number | null = null;
      for (;;) {
        const page: StoredCall[] = await runner.calls({ afterPosition: after, limit: PAGE });
        for (const row of page) changed = apply(fromStored(row)) || changed;
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.position ?? null;
      }
    }
    // The entries this mirror holds dialed and not ended (or ended in doubt: the worker that
    // placed the call may yet write the provider's answer), the live ones read just now aside.
    for (const slot of [...active]) {
      if (seen.has(slot.id)) continue;
      const row = await store.get(slot.id);
      if (row) changed = apply(fromStored(row)) || changed;
    }
    // Rows from the first one this mirror holds idle, claimed (and maybe ended) elsewhere since
    // the last read: claims take fresh entries in list order, so the first row still untouched
    // in the store ends what there is to read.
    while (frontier < slots.length && slots[frontier]?.entry.status !== 'idle') frontier += 1;
    for (;;) {
      const page: StoredCall[] = await runner.calls({
        afterPosition: frontier - 1,
        limit: Math.max(64, concurrency * 4),
      });
      let untouched = false;
      for (const row of page) {
        const moved = apply(fromStored(row));
        changed = moved || changed;
        if (row.status === 'scheduled' && row.attempt === 1) untouched = true;
      }
      if (untouched || page.length === 0) break;
      frontier = Math.max(frontier, (page[page.length - 1]!.position ?? 0) + 1);
    }
    if (changed || drained) progress();
  }

  function refresh(): Promise<void> {
    refreshing ??= readStore()
      .catch((error: unknown) => report(error, 'store'))
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  function armRefresh() {
    if (!started || drained) return;
    timer = clock.setTimeout(() => {
      timer = null;
      void refresh().then(armRefresh);
    }, refreshIntervalMs);
  }

  // The engine's own events: this process's calls, at once.
  runner.on('status', ({ call }) => {
    // An attempt that ends in a retry is told as its ended status on the next attempt's row;
    // the `retrying` event that follows carries the row as it is.
    const last = call.events[call.events.length - 1];
    if (last?.status === 'scheduled' && call.status !== 'scheduled') return;
    if (apply(fromCall(call))) progress();
  });
  for (const name of ['completed', 'failed', 'canceled', 'retrying'] as const) {
    runner.on(name, ({ call }) => {
      if (apply(fromCall(call))) progress();
    });
  }
  runner.on('placement', (e) => {
    const slot = byId.get(e.call.id);
    if (!slot) return;
    events.emit('placement', {
      index: slot.entry.index,
      phone: slot.entry.phone,
      attempt: e.call.attempt,
      outcome: e.outcome,
      provider: e.provider,
      callId: e.call.providerCallId,
      ...(e.providerStatus === undefined ? {} : { providerStatus: e.providerStatus }),
      ...(e.error === undefined ? {} : { error: e.error }),
      sentAt: e.sentAt,
      durationMs: e.durationMs,
      ...(e.trace ? { trace: e.trace } : {}),
    });
  });
  runner.on('error', (e) => {
    const slot = e.callId === undefined ? undefined : byId.get(e.callId);
    const source =
      e.source === 'provider' ? 'place_call' : e.source === 'watch' ? 'watch' : e.source;
    report(e.error, source === 'listener' ? 'listener' : source, slot?.entry.index);
  });

  return {
    campaign,
    async start() {
      if (started) return;
      const info = await runner.start();
      started = true;
      concurrency = info.concurrency;
      callTimeoutMs = Number(info.settings['callTimeoutMs'] ?? callTimeoutMs);
      stopped = info.state === 'stopped';
      state = info.state === 'paused' ? 'paused' : 'running';
      await load();
      await readStore().catch((error: unknown) => report(error, 'store'));
      progress();
      armRefresh();
    },
    async pause() {
      await runner.pause();
      if (!drained) state = 'paused';
    },
    async resume() {
      await runner.resume();
      if (!drained) state = 'running';
    },
    async stop(stopOptions = {}) {
      if (stopOptions.hangUp) {
        if (!provider.cancelCall) throw hangUpUnsupported(provider.name, 'cancelCall');
        if (!provider.hangUpCall) throw hangUpUnsupported(provider.name, 'hangUpCall');
      }
      await runner.stop(stopOptions);
      stopped = true;
      await refresh();
    },
    async setConcurrency(n) {
      await runner.setConcurrency(n);
      concurrency = n;
    },
    async redialUnknown() {
      const n = await runner.redialUnknown();
      await refresh();
      return n;
    },
    handleStatus(event: CallStatusEvent) {
      runner.handleStatus(event).catch((error: unknown) => report(error, 'handle_status'));
    },
    snapshot(): DialerSnapshot {
      return {
        state,
        concurrency,
        stopped,
        entries: present().map((s) => entryView(s.entry)),
      };
    },
    refresh,
    async close() {
      started = false;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      await runner.close();
      await refreshing;
    },
    on: events.on,
    off: events.off,
  };
}

function pick<T extends object, K extends keyof T>(object: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (object[key] !== undefined) out[key] = object[key];
  return out;
}
