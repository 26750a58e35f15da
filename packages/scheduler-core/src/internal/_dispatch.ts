import {
  canAdvance,
  isCallStatus,
  isHttpError,
  isInvalidPhoneNumberError,
  isNetworkError,
  isTerminal,
  watchCall,
  type CallProvider,
  type CallStatus,
  type CallStatusEvent,
  type Clock,
} from '@ringkit/call-client';
import { isConflictError } from '../errors.js';
import type { SchedulerEvents } from '../events.js';
import type { Store, StoredCall, StoredCallPatch } from '../store.js';
import type { ScheduledCallStatus } from '../types.js';
import type { SafeEmitter } from './_emitter.js';
import { newStoredCall, recordOf, toScheduledCall, withEvent } from './_rows.js';
import { backoffDelay, DEFAULT_BACKOFF, inWindow, nextOpening, nextRun } from './_time.js';

type Mutate = (
  id: string,
  decide: (row: StoredCall) => StoredCallPatch | null,
  fresh?: StoredCall,
) => Promise<{ row: StoredCall; before: StoredCall; changed: boolean }>;

export interface DispatcherContext {
  store: Store;
  provider: CallProvider;
  clock: Clock;
  workerId: string;
  callerId: string;
  emitter: SafeEmitter;
  mutate: Mutate;
  generateId: () => string;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  watchIntervalMs: number;
  callTimeoutMs: number;
}

/** Network errors after which the request surely never reached the provider. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const IN_FLIGHT: ScheduledCallStatus[] = ['initiated', 'ringing', 'answered'];
const MAX_BUFFERED = 1000;

/**
 * The dispatch loop: one timer for the earliest wake time in the store, claims with leases,
 * placements bounded by `concurrency`, status tracking, retries and recurrence.
 */
export function createDispatcher(ctx: DispatcherContext) {
  const { store, provider, clock, workerId, emitter, mutate } = ctx;
  let running = false;
  let timer: unknown = null;
  let timerAt: number | null = null;
  let pumping = false;
  let pumpAgain = false;
  let saturated = false;
  const placements = new Set<Promise<void>>();
  const watchers = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let unsubscribe: (() => Promise<void>) | null = null;
  let sweepTimer: unknown = null;
  /** Status events for provider ids not stored yet (a webhook before the POST's answer). */
  const early = new Map<string, CallStatusEvent[]>();

  const reportError = (error: unknown, source: 'store' | 'provider' | 'watch', callId?: string) =>
    emitter.emit('error', callId === undefined ? { error, source } : { error, source, callId });

  function setTimer(at: number) {
    if (timer !== null && timerAt === at) return;
    if (timer !== null) clock.clearTimeout(timer);
    timerAt = at;
    timer = clock.setTimeout(
      () => {
        timer = null;
        timerAt = null;
        void pump();
      },
      Math.max(0, at - clock.now()),
    );
  }

  function clearTimer() {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    timerAt = null;
  }

  /** Makes sure the timer fires by `at`. */
  function wake(at: number) {
    if (running && (timerAt === null || at < timerAt)) setTimer(at);
  }

  /** Arms the one timer for the earliest wake time in the store (or the safety re-check). */
  async function arm() {
    if (!running) return;
    const next = await store.nextDueAt();
    let at = next ?? Infinity;
    if (ctx.pollIntervalMs > 0) at = Math.min(at, clock.now() + ctx.pollIntervalMs);
    if (!running) return;
    if (at === Infinity) clearTimer();
    else setTimer(at);
  }

  /** Claims due calls while slots are free, then re-arms the timer. */
  async function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        while (running) {
          const free = ctx.concurrency - placements.size;
          if (free <= 0) break;
          const now = clock.now();
          const claimed = await store.claimDue(now, free, workerId, now + ctx.leaseMs);
          for (const row of claimed) track(dispatch(row));
          saturated = claimed.length === free;
          if (!saturated) {
            await arm();
            break;
          }
        }
      } while (pumpAgain && running);
    } catch (error) {
      reportError(error, 'store');
      if (running) setTimer(clock.now() + 1000);
    } finally {
      pumping = false;
    }
  }

  function track(work: Promise<void>) {
    const done = work
      .catch((error: unknown) => reportError(error, 'store'))
      .finally(() => {
        placements.delete(done);
        // A freed slot matters only when the last claim was cut short by the limit; otherwise
        // the timer already points at the next due call.
        if (running && saturated) void pump();
      });
    placements.add(done);
  }

  const held = (row: StoredCall, claim: StoredCall) =>
    row.status === 'queued' &&
    row.leaseOwner === workerId &&
    row.leaseUntil === claim.leaseUntil &&
    row.placingAt === claim.placingAt;

  function emitStatus(row: StoredCall, previous: ScheduledCallStatus, providerStatus?: string) {
    if (!emitter.has('status')) return toScheduledCall(row);
    const call = toScheduledCall(row);
    const event: SchedulerEvents['status'] = {
      call,
      status: row.status,
      previous,
      at: new Date(clock.now()),
    };
    if (providerStatus !== undefined) event.providerStatus = providerStatus;
    emitter.emit('status', event);
    return call;
  }

  /** Places one claimed call, or resolves what a dead worker left behind. */
  async function dispatch(claim: StoredCall): Promise<void> {
    const now = clock.now();
    if (claim.placingAt !== null) {
      // The request may have gone out before the worker died: never place it again.
      await finish(claim.id, 'failed', 'interrupted', claim, false);
      return;
    }
    const window = claim.options?.window;
    if (window && !inWindow(window, now)) {
      const opening = nextOpening(window, now);
      const { row, changed } = await mutate(
        claim.id,
        (r) =>
          held(r, claim)
            ? {
                status: 'scheduled',
                dueAt: opening,
                leaseOwner: null,
                leaseUntil: null,
                events: withEvent(r, {
                  status: 'scheduled',
                  at: now,
                  attempt: r.attempt,
                  reason: 'window',
                }),
              }
            : null,
        claim,
      );
      if (changed) {
        emitStatus(row, 'queued');
        wake(opening);
      }
      return;
    }
    if (!running) {
      await mutate(claim.id, (r) =>
        held(r, claim) ? { status: 'scheduled', leaseOwner: null, leaseUntil: null } : null,
      );
      return;
    }
    if (emitter.has('dispatching')) emitter.emit('dispatching', { call: toScheduledCall(claim) });
    // Record that the request may be sent, before sending it.
    const marked = await mutate(
      claim.id,
      (r) =>
        held(r, claim)
          ? {
              placingAt: now,
              leaseUntil: now + ctx.leaseMs,
              events: withEvent(r, { status: 'queued', at: now, attempt: r.attempt }),
            }
          : null,
      claim,
    );
    if (!marked.changed) return; // canceled, rescheduled or reclaimed meanwhile
    let lease = marked.row;
    if (emitter.has('status')) emitStatus(lease, 'scheduled');

    // Keep the lease while the provider answers. A renewal in progress is awaited before the
    // answer is recorded, so the record never races a renewal and no renewal outlives the call.
    let renewing = true;
    let renewal: unknown = null;
    let pendingRenewal: Promise<void> | null = null;
    const renew = () => {
      renewal = clock.setTimeout(
        () => {
          renewal = null;
          const at = clock.now();
          pendingRenewal = mutate(lease.id, (r) =>
            held(r, lease) ? { leaseUntil: at + ctx.leaseMs } : null,
          )
            .then(({ row, changed }) => {
              if (changed) lease = row;
              if (changed && renewing) renew();
            })
            .catch((error: unknown) => reportError(error, 'store', lease.id))
            .finally(() => {
              pendingRenewal = null;
            });
        },
        Math.max(1, Math.floor(ctx.leaseMs / 3)),
      );
    };
    const stopRenewing = async () => {
      renewing = false;
      if (renewal !== null) clock.clearTimeout(renewal);
      renewal = null;
      await pendingRenewal;
    };
    renew();

    let placed;
    try {
      placed = await provider.placeCall({ to: claim.to });
    } catch (error) {
      await stopRenewing();
      const refused =
        isHttpError(error) ||
        isInvalidPhoneNumberError(error) ||
        (isNetworkError(error) && error.errno !== undefined && NOT_SENT.has(error.errno));
      reportError(error, 'provider', claim.id);
      await finish(
        claim.id,
        'failed',
        refused ? 'placement_failed' : 'interrupted',
        lease,
        refused,
        error,
      );
      return;
    }
    await stopRenewing();
    const at = clock.now();
    const recorded = await mutate(
      claim.id,
      (r) =>
        held(r, lease)
          ? {
              status: 'initiated',
              providerCallId: placed.id,
              leaseOwner: null,
              leaseUntil: null,
              events: withEvent(r, {
                status: 'initiated',
                at,
                attempt: r.attempt,
                providerStatus: placed.providerStatus,
              }),
            }
          : null,
      lease,
    );
    if (!recorded.changed) {
      reportError(
        new Error(
          `Call ${claim.id} was placed (provider id ${placed.id}) after its lease was lost`,
        ),
        'store',
        claim.id,
      );
      return;
    }
    const row = recorded.row;
    await saveRecord(row, row.attempt);
    if (emitter.has('status')) emitStatus(row, 'queued', placed.providerStatus);
    if (placed.status !== 'initiated' && placed.status !== 'queued') {
      await applyStatus({
        callId: placed.id,
        status: placed.status,
        providerStatus: placed.providerStatus,
        at: new Date(at),
      });
    }
    await drainEarly(placed.id);
    if (!provider.getCall || provider.capabilities.webhooks) return;
    const current = await store.get(row.id);
    if (current && current.providerCallId === placed.id && !isTerminalStatus(current.status)) {
      follow(current);
    }
  }

  const isTerminalStatus = (status: ScheduledCallStatus) =>
    status !== 'scheduled' && isTerminal(status);

  async function saveRecord(row: StoredCall, attempt: number) {
    const record = recordOf(row, attempt, ctx.callerId);
    if (record) await store.saveCallRecord(record);
  }

  /** Follows a placed call by polling, when the provider can be polled and sends no webhooks. */
  function follow(row: StoredCall) {
    if (!running || !provider.getCall || provider.capabilities.webhooks) return;
    if (row.providerCallId === null || watchers.has(row.id)) return;
    const providerCallId = row.providerCallId;
    const controller = new AbortController();
    const done = (async () => {
      try {
        for await (const event of watchCall(provider, providerCallId, {
          intervalMs: ctx.watchIntervalMs,
          since: row.status as CallStatus,
          signal: controller.signal,
          clock,
        })) {
          await applyStatus(event);
        }
      } catch (error) {
        reportError(error, 'watch', row.id);
      } finally {
        watchers.delete(row.id);
      }
    })();
    watchers.set(row.id, { controller, done });
  }

  /** Ends the current attempt: retry, or final status (and the next occurrence). */
  async function finish(
    id: string,
    status: CallStatus,
    reason: string | null,
    fresh: StoredCall | undefined,
    retryable: boolean,
    error?: unknown,
  ) {
    const now = clock.now();
    const before = fresh ?? (await store.get(id));
    if (!before) return;
    const options = before.options;
    const canRetry =
      retryable &&
      (status === 'busy' || status === 'no-answer' || status === 'failed') &&
      before.attempt < (options?.maxAttempts ?? 1);
    if (!canRetry && options?.recurrence) await scheduleNext(before);
    const result = await mutate(
      id,
      (r) => {
        if (
          r.version !== before.version &&
          (r.status === 'scheduled' || isTerminalStatus(r.status))
        ) {
          return null; // someone else ended this attempt
        }
        const events = withEvent(r, {
          status,
          at: now,
          attempt: r.attempt,
          ...(reason ? { reason } : {}),
        });
        if (canRetry && r.attempt === before.attempt) {
          const dueAt = now + backoffDelay(options?.retryBackoff ?? DEFAULT_BACKOFF, r.attempt);
          return {
            status: 'scheduled',
            dueAt,
            attempt: r.attempt + 1,
            leaseOwner: null,
            leaseUntil: null,
            placingAt: null,
            providerCallId: null,
            reason: null,
            events: [
              ...events,
              { status: 'scheduled', at: now, attempt: r.attempt + 1, reason: reason ?? status },
            ],
          };
        }
        return { status, reason, leaseOwner: null, leaseUntil: null, events };
      },
      before,
    );
    if (!result.changed) return;
    const row = result.row;
    const call = emitStatus({ ...row, status }, result.before.status);
    await saveRecord(row, result.before.attempt);
    if (row.status === 'scheduled') {
      emitter.emit('retrying', { call: toScheduledCall(row), reason: reason ?? status });
      wake(row.dueAt);
    } else if (status === 'completed') {
      emitter.emit('completed', { call });
    } else if (status === 'canceled') {
      emitter.emit('canceled', { call });
    } else {
      emitter.emit(
        'failed',
        error === undefined
          ? { call, reason: reason ?? status }
          : { call, reason: reason ?? status, error },
      );
    }
  }

  /** Stores the series' next occurrence; idempotent, so two workers never make two. */
  async function scheduleNext(row: StoredCall) {
    const options = row.options!;
    const recurrence = options.recurrence!;
    const seriesId = options.seriesId ?? row.id;
    const base = Math.max(options.occurrenceAt ?? row.dueAt, clock.now());
    const next = nextRun(recurrence.cron, recurrence.timezone, base);
    if (next === null) return;
    const now = clock.now();
    const key = `series:${seriesId}:${next}`;
    try {
      const stored = await store.insert(
        newStoredCall({
          id: ctx.generateId(),
          to: row.to,
          dueAt: next,
          now,
          idempotencyKey: key,
          options: { ...options, seriesId, occurrenceAt: next },
        }),
      );
      emitter.emit('scheduled', { call: toScheduledCall(stored) });
      wake(next);
    } catch (error) {
      if (!(isConflictError(error) && error.reason === 'duplicate')) throw error;
    }
  }

  /** Applies a provider status to the call whose current attempt has that provider id. */
  async function applyStatus(event: CallStatusEvent): Promise<StoredCall | null> {
    const row = await store.findByProviderCallId(event.callId);
    if (!row) return null;
    const from = row.status;
    if (from === 'scheduled' || !isCallStatus(event.status) || !canAdvance(from, event.status)) {
      return row;
    }
    if (isTerminal(event.status)) {
      await finish(
        row.id,
        event.status,
        event.status === 'completed' ? null : event.status,
        row,
        true,
      );
      return store.get(row.id);
    }
    const at = event.at.getTime();
    const { row: updated, changed } = await mutate(
      row.id,
      (r) =>
        r.providerCallId === event.callId &&
        r.status !== 'scheduled' &&
        canAdvance(r.status, event.status)
          ? {
              status: event.status,
              events: withEvent(r, {
                status: event.status,
                at,
                attempt: r.attempt,
                providerStatus: event.providerStatus,
              }),
            }
          : null,
      row,
    );
    if (changed) {
      await saveRecord(updated, updated.attempt);
      emitStatus(updated, from, event.providerStatus);
    }
    return updated;
  }

  async function drainEarly(providerCallId: string) {
    const events = early.get(providerCallId);
    if (!events) return;
    early.delete(providerCallId);
    for (const event of events) await applyStatus(event);
  }

  async function handleStatus(event: CallStatusEvent) {
    const callId = String(event.callId);
    const normalised = { ...event, callId };
    const row = await applyStatus(normalised);
    if (row) return toScheduledCall(row);
    // Maybe the POST that created the call has not been answered yet: keep the event for later.
    const list = early.get(callId) ?? [];
    list.push(normalised);
    early.set(callId, list);
    if (early.size > MAX_BUFFERED) early.delete(early.keys().next().value!);
    if (await store.findByProviderCallId(callId)) await drainEarly(callId);
    const after = await store.findByProviderCallId(callId);
    return after ? toScheduledCall(after) : null;
  }

  /** When the current attempt of an in-flight row was placed. */
  function placedAt(row: StoredCall): number {
    const events = row.events ?? [];
    for (let i = events.length - 1; i >= 0; i -= 1) {
      const event = events[i]!;
      if (event.attempt === row.attempt && event.status === 'initiated') return event.at;
    }
    return row.updatedAt;
  }

  /** Ends one call that stayed in flight past `callTimeoutMs`. */
  async function expire(row: StoredCall) {
    const getCall = provider.getCall?.bind(provider);
    if (getCall && row.providerCallId !== null) {
      try {
        const call = await getCall(row.providerCallId);
        if (isTerminal(call.status)) {
          await applyStatus({
            callId: row.providerCallId,
            status: call.status,
            providerStatus: call.providerStatus,
            at: new Date(clock.now()),
          });
          return;
        }
      } catch (error) {
        reportError(error, 'provider', row.id);
      }
    }
    watchers.get(row.id)?.controller.abort();
    await finish(row.id, 'failed', 'timeout', row, false);
  }

  /** An in-flight call unchanged this long may have lost its follower (a worker died). */
  const adoptAfter = Math.max(2 * ctx.leaseMs, 2 * ctx.watchIntervalMs);

  /**
   * One timer, on a fixed cadence, for calls that never end: lost webhooks, a provider that went
   * quiet, a watch that gave up. Rows are read from the store, so a restart loses none. Polling
   * providers' calls left by a worker that died are followed here too (`follow` skips calls this
   * process already watches; a second follower elsewhere is harmless, statuses only move forward).
   */
  async function sweep() {
    const now = clock.now();
    let cursor: string | null = null;
    do {
      const page = await store.list({ status: IN_FLIGHT, cursor, limit: 500 });
      for (const row of page.items) {
        if (!running) break;
        if (placedAt(row) + ctx.callTimeoutMs <= now) await expire(row);
        else if (row.updatedAt + adoptAfter <= now) follow(row);
      }
      cursor = page.nextCursor;
    } while (cursor && running);
  }

  function armSweep() {
    if (!running) return;
    sweepTimer = clock.setTimeout(
      () => {
        void sweep()
          .catch((error: unknown) => reportError(error, 'store'))
          .finally(armSweep);
      },
      Math.min(ctx.callTimeoutMs, 60_000),
    );
  }

  async function start() {
    if (running) return;
    running = true;
    armSweep();
    if (store.subscribe) {
      unsubscribe = await store.subscribe((wakeAt) => {
        if (wakeAt === null) void pump();
        else wake(wakeAt);
      });
    }
    if (provider.getCall && !provider.capabilities.webhooks) {
      let cursor: string | null = null;
      do {
        const page = await store.list({ status: IN_FLIGHT, cursor, limit: 500 });
        for (const row of page.items) follow(row);
        cursor = page.nextCursor;
      } while (cursor);
    }
    await pump();
  }

  async function stop() {
    running = false;
    clearTimer();
    if (sweepTimer !== null) clock.clearTimeout(sweepTimer);
    sweepTimer = null;
    const stopListening = unsubscribe;
    unsubscribe = null;
    await stopListening?.();
    while (placements.size > 0) await Promise.allSettled([...placements]);
    const active = [...watchers.values()];
    for (const watcher of active) watcher.controller.abort();
    await Promise.allSettled(active.map((w) => w.done));
  }

  return { wake, handleStatus, start, stop };
}
