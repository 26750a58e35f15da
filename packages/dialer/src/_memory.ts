/**
 * The in-memory dialer, `createDialer({ provider, numbers })`: a campaign of its own over a
 * store of its own in this process's memory (`createMemoryStore()`), worked by the engine every
 * campaign and scheduled call runs on. This keeps the in-memory dialer's calls as they are: they
 * refuse at once what its state does not allow and return at once; what they start happens once
 * the store has answered. Until `start()` there is no campaign: the list is shown idle, and a
 * `stop()` cancels it here.
 */
import type { CallStatusEvent } from '@ringkit/call-client';
import type { Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { emptyCounts, entryView, malformedStatus, statusEventOf } from './_entry.js';
import { concurrencySchema, resolveOptions, stopOptionsSchema } from './_options.js';
import { campaignDialerOf, dialerEvents } from './campaign/_dialer.js';
import { idleEntry } from './campaign/_entry-of.js';
import { DialerStateError, hangUpUnsupported, invalidOptions } from './errors.js';
import type {
  CampaignDialer,
  Dialer,
  DialerEntry,
  DialerErrorSource,
  DialerOptions,
  DialerSnapshot,
  StopOptions,
} from './types.js';

/** The campaign's name in its own store. */
const CAMPAIGN = 'dialer';
/**
 * The `from` of the store's call records, which only this dialer's store holds: a campaign's
 * history needs one, and it is never sent to the provider (an entry's own `call.from` is).
 */
const CALLER_ID = '+15005550006';

/**
 * Where the dialer's campaign lives: a store of its own in memory, unless a test hands it another
 * store (SQLite, PostgreSQL) and a campaign name of its own there, to prove the one engine on every
 * store with the in-memory dialer's own tests. The store is the caller's to close.
 */
export interface DialerHome {
  store: Store;
  campaign: string;
}

/** Creates the in-memory dialer (see `createDialer`). */
export function createMemoryDialer(options: DialerOptions, home?: DialerHome): Dialer {
  const resolved = resolveOptions(options);
  const { provider, clock, phones, calls } = resolved;
  const events = dialerEvents();
  const report = (error: unknown, source: DialerErrorSource) =>
    events.emit('error', { error, source });
  let concurrency = resolved.concurrency;
  let campaign: CampaignDialer | null = null;
  let state: 'idle' | 'running' | 'paused' | 'done' = 'idle';
  let stopped = false;
  /** The list before `start()`, or after a `stop()` before it (every entry `canceled`). */
  let unstarted: DialerEntry[] = phones.map((phone, index) => entryView(idleEntry(index, phone)));

  // Once every entry has ended, the engine lets go of its timers (a script that dials a list
  // ends with it); a webhook that comes later is still applied.
  events.on('drained', () => {
    if (campaign) run(campaign.close());
  });
  const run = (work: Promise<unknown>) =>
    void work.catch((error: unknown) => report(error, 'store'));
  const open = (): CampaignDialer =>
    campaignDialerOf(
      {
        store: home?.store ?? createMemoryStore(),
        campaign: home?.campaign ?? CAMPAIGN,
        callerId: CALLER_ID,
        provider,
        concurrency,
        callTimeoutMs: resolved.callTimeoutMs,
        maxAttempts: resolved.maxAttempts,
        clock,
        watchIntervalMs: resolved.watchIntervalMs,
        maxEarlyEvents: resolved.maxEarlyEvents,
        ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
      },
      { phones, calls },
      events,
      { alone: true },
    );

  /** `stop()` before `start()`: the list ends `canceled` here, and the dialer is done. */
  const cancelUnstarted = () => {
    const at = new Date(clock.now());
    const counts = emptyCounts(0);
    unstarted = unstarted.map((entry) => ({ ...entry, status: 'canceled', endedAt: at }));
    counts.canceled = unstarted.length;
    state = 'done';
    for (const entry of unstarted) {
      const { index, phone } = entry;
      events.emit('status', {
        ...{ index, phone, status: 'canceled', previous: 'idle', callId: null, attempt: 0 },
        ...{ answeredBy: null, willRetry: false, at },
      });
      events.emit('finished', { ...entry });
    }
    const total = unstarted.length;
    if (total > 0) events.emit('progress', { total, ended: total, inFlight: 0, counts });
    events.emit('drained', { total, counts: { ...counts }, at });
  };

  return {
    start() {
      if (state !== 'idle' || stopped) {
        const now = stopped ? 'stopped' : state;
        throw new DialerStateError('start', now, `the dialer has already started (${now})`);
      }
      state = 'running';
      if (phones.length === 0) {
        state = 'done';
        events.emit('drained', { total: 0, counts: emptyCounts(0), at: new Date(clock.now()) });
        return;
      }
      campaign = open();
      run(campaign.start());
    },
    pause() {
      if (state === 'idle')
        throw new DialerStateError('pause', state, 'the dialer has not started');
      if (state !== 'running' || stopped) return;
      state = 'paused';
      if (campaign) run(campaign.pause());
    },
    resume() {
      if (state === 'idle')
        throw new DialerStateError('resume', state, 'the dialer has not started');
      if (stopped) throw new DialerStateError('resume', 'stopped', 'the dialer was stopped');
      if (state !== 'paused') return;
      state = 'running';
      if (campaign) run(campaign.resume());
    },
    stop(stopOptions?: StopOptions) {
      const parsed = stopOptionsSchema.safeParse(stopOptions);
      if (!parsed.success) throw invalidOptions('stop', parsed.error.issues);
      if (parsed.data?.hangUp === true) {
        if (!provider.cancelCall) throw hangUpUnsupported(provider.name, 'cancelCall');
        if (!provider.hangUpCall) throw hangUpUnsupported(provider.name, 'hangUpCall');
      }
      if (state === 'done' || campaign?.snapshot().state === 'done') return;
      if (!stopped) {
        stopped = true;
        if (!campaign) return cancelUnstarted();
      }
      if (campaign) run(campaign.stop(parsed.data ?? {}));
    },
    setConcurrency(value) {
      const parsed = concurrencySchema.safeParse(value);
      if (!parsed.success) throw invalidOptions('setConcurrency', parsed.error.issues);
      concurrency = parsed.data;
      if (campaign) run(campaign.setConcurrency(parsed.data));
    },
    handleStatus(event: CallStatusEvent) {
      // Before `start()` no call is known: a well-formed event is ignored, a malformed one told.
      if (campaign) campaign.handleStatus(event);
      else if (!statusEventOf(event)) report(malformedStatus(), 'handle_status');
    },
    snapshot(): DialerSnapshot {
      if (!campaign) {
        const entries = unstarted.map((entry) => ({ ...entry }));
        return { state, concurrency, stopped, entries };
      }
      const snapshot = campaign.snapshot();
      if (snapshot.state === 'done') return { ...snapshot, stopped };
      // The store's campaign is `running` until its first read; a stopped dialer is `paused`.
      return { ...snapshot, state: stopped ? 'paused' : state, stopped };
    },
    on: events.on,
    off: events.off,
  };
}
