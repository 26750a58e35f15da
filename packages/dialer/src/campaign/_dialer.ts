/**
 * The durable dialer, `createDialer({ …, store, campaign })`, composed of its parts: the
 * campaign's runner (scheduler-core), the mirror of its rows (`_mirror.ts`, each row read into
 * its entry by `_entry-of.ts`) and the reads of the store that keep the mirror up to date
 * (`_refresh.ts`).
 */
import {
  isTerminal,
  systemClock,
  type CallStatus,
  type CallStatusEvent,
} from '@ringkit/call-client';
import { createSafeEmitter, type SafeEmitter } from '@ringkit/internal';
import {
  createCampaignRunner,
  openCampaignRunner,
  type CampaignRunner,
  type CampaignRunnerOptions,
  type StoredCall,
} from '@ringkit/scheduler-core';
import { z } from 'zod';
import { malformedStatus, statusEventOf } from '../_entry.js';
import { normalise, normaliseInSlices } from '../_options.js';
import { hangUpUnsupported, invalidOptions } from '../errors.js';
import type {
  CampaignDialer,
  CampaignDialerOptions,
  DialerErrorSource,
  DialerEvents,
  DialerSnapshot,
} from '../types.js';
import { fromCall, fromStored } from './_entry-of.js';
import { CampaignMirror } from './_mirror.js';
import { createRefresh } from './_refresh.js';
import { summaryOf, type CampaignSummary } from './_views.js';

const refreshSchema = z.number().int().min(10).max(3_600_000);
/** The engine's re-check comes once every this many re-reads of the campaign. */
const RECHECK_PER_REFRESH = 10;

type Report = (error: unknown, source: DialerErrorSource, index?: number) => void;

/**
 * The durable dialer: `createDialer({ …, store, campaign })`. scheduler-core's campaign runner
 * does the work (claims under the campaign's cap, placement, following, outcomes, retries,
 * pacing, windows, history); this keeps a mirror of the campaign's rows for `snapshot()` and the
 * dialer's events, from this process's engine at once and from the store every
 * `refreshIntervalMs` (what other processes did).
 */
/** Each dialer's status handler, awaited (see {@link applyStatus}). */
const appliers = new WeakMap<
  CampaignDialer,
  (event: CallStatusEvent, row?: StoredCall) => Promise<unknown>
>();

/** Each dialer's summary (see {@link summaryOfDialer}). */
const summaries = new WeakMap<CampaignDialer, () => CampaignSummary>();

/**
 * What the campaign's view is made of, as the dialer knows it now: its state and the tallies of
 * its entries, kept as they move, where `snapshot()` copies every entry.
 */
export function summaryOfDialer(dialer: CampaignDialer): CampaignSummary {
  return summaries.get(dialer)?.() ?? summaryOf(dialer.snapshot());
}

/**
 * Hands `event` to the dialer's campaign and resolves once it is applied (written), rejecting
 * when it could not be: what `handleStatus` does, for a caller that must know (a webhook is
 * answered only once its status is stored).
 */
export function applyStatus(
  dialer: CampaignDialer,
  event: CallStatusEvent,
  row?: StoredCall,
): Promise<unknown> {
  return appliers.get(dialer)?.(event, row) ?? Promise.resolve(dialer.handleStatus(event));
}

export function createCampaignDialer(options: CampaignDialerOptions): CampaignDialer {
  const { numbers, defaultCountry = 'US' } = options;
  const list = numbers === undefined ? null : normalise(numbers, defaultCountry, options.provider);
  return campaignDialerOf(options, list, dialerEvents());
}

/**
 * {@link createCampaignDialer} with its list already normalised and the emitter it tells its
 * events on: the in-memory dialer's, which has listeners before its campaign exists.
 */
export function campaignDialerOf(
  options: CampaignDialerOptions,
  list: ReturnType<typeof normalise> | null,
  events: SafeEmitter<DialerEvents>,
  { alone = false }: { alone?: boolean } = {},
): CampaignDialer {
  const refreshIntervalMs = checkedRefresh(options);
  const runner = createCampaignRunner({
    ...runnerOptions(options, list, refreshIntervalMs),
    // Alone on its store, the engine learns every change as it makes it: nothing to re-check.
    ...(alone ? { recheckIntervalMs: 0 } : {}),
  });
  return dialerWith(options, runner, events, alone);
}

/** A dialer's emitter: a listener that throws is told as an `error` event. */
export function dialerEvents(): SafeEmitter<DialerEvents> {
  return createSafeEmitter<DialerEvents>((error, type) => ({
    error,
    source: 'listener',
    event: type,
  }));
}

/**
 * {@link createCampaignDialer}, with the list checked and turned into rows in slices of time
 * (`normaliseInSlices`, `openCampaignRunner`): creating a campaign of 10,000 numbers never stalls
 * the process's other work. Rejects with what `createCampaignDialer` throws.
 */
export async function openCampaignDialer(options: CampaignDialerOptions): Promise<CampaignDialer> {
  const refreshIntervalMs = checkedRefresh(options);
  const { numbers, defaultCountry = 'US' } = options;
  const list =
    numbers === undefined
      ? null
      : await normaliseInSlices(numbers, defaultCountry, options.provider);
  const runner = await openCampaignRunner(runnerOptions(options, list, refreshIntervalMs));
  return dialerWith(options, runner, dialerEvents());
}

function dialerWith(
  options: CampaignDialerOptions,
  runner: CampaignRunner,
  events: SafeEmitter<DialerEvents>,
  /**
   * No other process works the campaign (the in-memory dialer's own store): everything that
   * moves is this engine's, told at once, and the store is never read again after start.
   */
  alone = false,
): CampaignDialer {
  const { store, provider, campaign, refreshIntervalMs = 1000 } = options;
  // On the loop's clock, the refreshes wait on its one timer too.
  const clock = options.loop?.clock ?? options.clock ?? systemClock;
  const report: Report = (error, source, index) =>
    events.emit('error', index === undefined ? { error, source } : { error, source, index });
  const mirror = new CampaignMirror(events, clock, options, runner.workerId);
  mirror.drainAfterDoubt = alone;
  const refresh = createRefresh({
    runner,
    store,
    mirror,
    clock,
    intervalMs: refreshIntervalMs,
    report: (error) => report(error, 'store'),
  });
  let started = false;
  forwardEngineEvents(store, runner, mirror, events, report);

  const dialer: CampaignDialer = {
    campaign,
    async start() {
      if (started) return;
      // The entries as this worker finds them, read before its first claim: what moves from
      // there (its own claims included) is told, what happened before is not.
      await runner.start({
        beforeClaims: async (info, created) => {
          mirror.takeCampaign(info);
          mirror.callTimeoutMs = Number(info.settings['callTimeoutMs'] ?? mirror.callTimeoutMs);
          await refresh.load(created);
        },
      });
      started = true;
      await refresh.readOnce();
      // The campaign as joined, unless its first moves were told already.
      if (!mirror.progressed) mirror.progress();
      if (started && !alone) refresh.start();
    },
    async pause() {
      mirror.takeCampaign(await runner.pause());
    },
    async resume() {
      mirror.takeCampaign(await runner.resume());
    },
    async stop(stopOptions = {}) {
      if (stopOptions.hangUp) {
        if (!provider.cancelCall) throw hangUpUnsupported(provider.name, 'cancelCall');
        if (!provider.hangUpCall) throw hangUpUnsupported(provider.name, 'hangUpCall');
      }
      mirror.takeCampaign(await runner.stop(stopOptions));
      await refresh.refresh();
    },
    async setConcurrency(n) {
      mirror.takeCampaign(await runner.setConcurrency(n));
    },
    async redialUnknown() {
      const n = await runner.redialUnknown();
      await refresh.refresh();
      return n;
    },
    handleStatus(input: CallStatusEvent) {
      const event = statusEventOf(input);
      if (!event) return report(malformedStatus(), 'handle_status');
      runner
        .handleStatus(event)
        // A status after the end moves nothing but may still teach something (a late
        // `answered`, who answered), which no event of the engine tells: the row as written.
        .then((call) => {
          if (!call || !isTerminal(call.status as CallStatus)) return;
          if (mirror.apply(fromCall(call))) mirror.progress();
        })
        .catch((error: unknown) => report(error, 'handle_status'));
    },
    snapshot: (): DialerSnapshot => mirror.snapshot(),
    refresh: refresh.refresh,
    async close() {
      started = false;
      refresh.stop();
      mirror.close();
      await runner.close();
      await refresh.settled();
    },
    on: events.on,
    off: events.off,
  };
  appliers.set(dialer, (event, row) => runner.handleStatus(event, row ? { row } : undefined));
  summaries.set(dialer, () => mirror.summary());
  return dialer;
}

/** `refreshIntervalMs`, checked. */
function checkedRefresh(options: CampaignDialerOptions): number {
  const { refreshIntervalMs = 1000 } = options;
  const refreshCheck = refreshSchema.safeParse(refreshIntervalMs);
  if (!refreshCheck.success) {
    throw invalidOptions(
      'createDialer',
      refreshCheck.error.issues.map((i) => ({ ...i, path: ['refreshIntervalMs', ...i.path] })),
    );
  }
  return refreshIntervalMs;
}

/** The runner's options: the dialer's that are the runner's too, and the list normalised. */
function runnerOptions(
  options: CampaignDialerOptions,
  list: ReturnType<typeof normalise> | null,
  refreshIntervalMs: number,
): CampaignRunnerOptions {
  const { store, provider, campaign } = options;
  return {
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
      'exclusive',
      'concurrency',
      'callsPerSecond',
      'budget',
      'window',
      'maxAttempts',
      'retryBackoff',
      'retry',
      'mode',
      'agents',
      'callTimeoutMs',
      'clock',
      'workerId',
      'leaseMs',
      'watchIntervalMs',
      'maxEarlyEvents',
      'defaultCountry',
      'tracer',
      'doNotCall',
      'loop',
    ]),
    // What another process changes reaches this worker by its re-reads, which claim at once
    // when they find something moved (`claimNow`): the engine's own re-check is a safety net.
    recheckIntervalMs: refreshIntervalMs * RECHECK_PER_REFRESH,
  };
}

/** The engine's own events: this process's calls, into the mirror at once, and told as the dialer's. */
function forwardEngineEvents(
  store: CampaignDialerOptions['store'],
  runner: CampaignRunner,
  mirror: CampaignMirror,
  events: SafeEmitter<DialerEvents>,
  report: Report,
) {
  runner.on('status', ({ call }) => {
    // An attempt that ends in a retry is told as its ended status on the next attempt's row;
    // the `retrying` event that follows carries the row as it is.
    const last = call.events[call.events.length - 1];
    if (last?.status === 'scheduled' && call.status !== 'scheduled') return;
    // An attempt that failed is applied from the `failed` event that follows, with its cause.
    if (call.status === 'failed') return;
    if (mirror.apply(fromCall(call))) mirror.progress();
  });
  for (const name of ['completed', 'canceled', 'retrying'] as const) {
    runner.on(name, ({ call }) => {
      if (mirror.apply(fromCall(call))) mirror.progress();
    });
  }
  runner.on('failed', ({ call, error, reason }) => {
    const row = error === undefined ? fromCall(call) : { ...fromCall(call), cause: error };
    if (mirror.apply(row)) mirror.progress();
    // How long its call may ring counts from the row's mark, which only the store holds.
    if (reason === 'outcome_unknown') {
      store
        .get(call.id)
        .then((stored) => {
          if (stored && mirror.apply({ ...fromStored(stored), cause: error })) mirror.progress();
        })
        .catch((e: unknown) => report(e, 'store'));
    }
  });
  runner.on('placement', (e) => {
    const slot = mirror.slotOf(e.call.id);
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
  runner.on('connected', ({ call, agent, waitMs }) => {
    const slot = mirror.slotOf(call.id);
    if (!slot) return;
    const { index, phone } = slot.entry;
    events.emit('connected', { index, phone, callId: call.providerCallId, waitMs, agent });
  });
  runner.on('abandoned', ({ call, waitMs, reason }) => {
    const slot = mirror.slotOf(call.id);
    if (!slot) return;
    const { index, phone } = slot.entry;
    events.emit('abandoned', { index, phone, callId: call.providerCallId, waitMs, reason });
  });
  runner.on('error', (e) => {
    const slot = e.callId === undefined ? undefined : mirror.slotOf(e.callId);
    const source =
      e.source === 'provider' ? 'place_call' : e.source === 'watch' ? 'watch' : e.source;
    report(e.error, source === 'listener' ? 'listener' : source, slot?.entry.index);
  });
}

function pick<T extends object, K extends keyof T>(object: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (object[key] !== undefined) out[key] = object[key];
  return out;
}
