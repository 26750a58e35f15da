import { type CallProvider, type CallStatusEvent, type Clock } from '@ringkit/call-client';
import { endSpan, type SpanLike, type Tracing } from '@ringkit/internal';
import type { Store, StoredCall } from '../store.js';
import type { SchedulerEmitter } from '../events.js';
import { createCanceler } from './_cancel.js';
import { createFollower } from './_follow.js';
import { createOutcomes } from './_outcomes.js';
import { createPacing, type Pacing } from './_pacing.js';
import { createPlacer } from './_place.js';
import { createSlots } from './_slots.js';
import { createArming } from './_arm.js';
import { createWakeTimer } from './_timer.js';
import type { LastCheckContext } from './_last-check.js';
import type { Mutate } from './_writes.js';
import { loopParts, type DispatchLoop, type LoopParts } from './loop.js';

/** The scheduler's parts and resolved options the dispatch loop works with. */
export interface DispatcherContext {
  store: Store;
  provider: CallProvider;
  /** The loop's clock (`loop.clock`): every timer of the engine is one of the loop's. */
  clock: Clock;
  /** The process's dispatch loop, shared with the other engines on the store. */
  loop: DispatchLoop;
  workerId: string;
  callerId: string;
  emitter: SchedulerEmitter;
  mutate: Mutate;
  generateId: () => string;
  concurrency: number;
  leaseMs: number;
  recheckIntervalMs: number;
  watchIntervalMs: number;
  callTimeoutMs: number;
  /** See `LastCheckContext.halted`: a campaign this process paused or stopped. */
  halted?: (claimedAt: number) => 'paused' | 'stopped' | null;
  /** See `LastCheckContext.rested`: a number the campaign keeps from being called for a while. */
  rested?: LastCheckContext['rested'];
  /** Statuses kept for calls whose placement is not answered yet, at most. @default 1000 */
  maxEarlyEvents?: number;
  /** The placement budget (`undefined`: unlimited). */
  callsPerSecond: number | undefined;
  /** The named budget the scheduler shares (`createScheduler({ budget })`), or `null`. */
  budget?: { name: string; weight: number } | null;
  /**
   * The store whose do-not-call list the calls obey, when not `store` (whose claims then never
   * see it): the last check before each request reads it every time.
   */
  doNotCall?: Store | undefined;
  tracing: Tracing;
  /**
   * The rows this engine owns: one campaign's (see `createCampaignRunner`), or the scheduler's
   * own (`null`, the default).
   */
  campaign?: string | null;
  /**
   * Where claims come from, when not the store's scheduler-wide `claimDue` under `pacing`: a
   * campaign's claims (its cap, its order, its budget) and its wake times.
   */
  source?: ClaimSource;
}

/** Claims and wake times of an engine that does not claim through `claimDue` (a campaign). */
export interface ClaimSource {
  pacing: Pacing;
  /** The earliest wake time of the source's rows, or `null`. */
  nextWake(): Promise<number | null>;
}

/** Reports an error of the loop as an `error` event. */
type ReportError = (
  error: unknown,
  source: 'store' | 'provider' | 'watch' | 'timeout_check',
  callId?: string,
) => void;

/**
 * The dispatch loop: one timer for the earliest wake time in the store (`_timer.ts`), claims
 * with leases, requests to the provider bounded by `concurrency`. A slot frees as soon as the
 * provider answers, so the next claim overlaps the writing of the answers; calls claimed but not
 * yet recorded stay below twice `concurrency` (`_slots.ts`). Slots freed together are refilled
 * with one claim. Placing (`_place.ts`), statuses, retries and recurrence (`_outcomes.ts`) and
 * following placed calls (`_follow.ts`) live in their own modules, wired by {@link engineParts}.
 */
export function createDispatcher(ctx: DispatcherContext) {
  const { store, clock, workerId, emitter } = ctx;
  let running = false;
  let pumping = false;
  let pumpAgain = false;
  let saturated = false;
  let refillQueued = false;
  /** While the send budget is spent up to the claim horizon, no claim before this moment. */
  let budgetUntil = Number.NEGATIVE_INFINITY;
  const loop = loopParts(ctx.loop);

  const reportError: ReportError = (error, source, callId) =>
    emitter.emit('error', callId === undefined ? { error, source } : { error, source, callId });
  const isRunning = () => running;

  const timer = createWakeTimer(clock, () => void pump());

  const arming = createArming({
    clock,
    timer,
    recheckIntervalMs: ctx.recheckIntervalMs,
    isRunning,
    readNext: () => (ctx.source ? ctx.source.nextWake() : store.nextDueAt(ctx.provider.name)),
    budgetUntil: () => budgetUntil,
    reportError,
  });
  const { wake, arm } = arming;

  const { pacing, outcomes, follower, dispatch, cancel } = engineParts(ctx, {
    wake,
    isRunning,
    reportError,
    sweeps: loop.sweep,
  });
  // A polled call whose end came another way (a webhook, a cancel) is polled no more.
  if (follower.polls()) {
    for (const end of ['completed', 'failed', 'canceled', 'retrying'] as const) {
      emitter.on(end, ({ call }) => follower.unfollow(call.id));
    }
  }

  const onLoop = engineOnLoop(ctx, loop, (wakeAt) =>
    wakeAt === null ? void pump() : wake(wakeAt),
  );
  const slots = createSlots(refill);
  const { marksOwnClaims, reserve } = claimsAhead(ctx, pacing);
  /** Every dispatch not finished yet (`stop()` waits for them). */
  const placements = createPlacements(slots, dispatch, reportError);

  /** The claims running now (`stop()` waits for them: what they claim is handed back). */
  let pumped: Promise<void> = Promise.resolve();

  function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true;
      return pumped;
    }
    pumping = true;
    pumped = claimWhileFree();
    return pumped;
  }

  /** Claims due calls while slots are free, then re-arms the timer. */
  async function claimWhileFree(): Promise<void> {
    let rearm = false;
    try {
      do {
        pumpAgain = false;
        while (running) {
          const free = slots.free(ctx.concurrency, reserve);
          if (free <= 0) break;
          // The calls that take a place at once are sent at once: the claim marks them itself
          // where the store can (`capabilities.marks`), which saves each a write before its
          // request.
          const mark = marksOwnClaims ? slots.placesNow() : 0;
          // A read of the next wake time already on its way may miss what this claim changes.
          arming.stale();
          const now = clock.now();
          const claimStarted = performance.now();
          const claim = await pacing.claim(now, free, workerId, now + ctx.leaseMs, mark);
          // A campaign's place is freed by an end a write of this process may have made: one
          // under way when the claim answers may have been seen by it (its commit can reach the
          // claim's connection before its answer reaches this process), so it is told before
          // the calls claimed into its place leave (a listener that stops the campaign on an end
          // stops them; events keep their order).
          const told = ctx.source ? ctx.mutate.settled() : null;
          if (told) await told;
          const claimed = claim.calls;
          budgetUntil = claim.retryAt ?? Number.NEGATIVE_INFINITY;
          const batch = claimSpan(ctx, claimed.length, free, claimStarted);
          // Started in one go, so their marks (placingAt) are written together.
          claimed.forEach((row, i) =>
            placements.track(row, claim.slots[i] ?? null, batch, claim.marked?.[i] === true, now),
          );
          endSpan(batch);
          saturated = claimed.length === free;
          rearm = !saturated;
          if (!saturated) break;
        }
      } while (pumpAgain && running);
    } catch (error) {
      rearm = false;
      reportError(error, 'store');
      // Claim again within a second, and no later than a wake asked for while this one ran.
      if (running) timer.by(clock.now() + 1000);
    } finally {
      pumping = false;
    }
    if (!rearm) return;
    // Let the marks of the calls just claimed go to the store first (the writer sends them in a
    // microtask): they hold up placements, the next wake time does not.
    await Promise.resolve();
    await arm();
  }

  /**
   * A freed slot matters only when the last claim was cut short by the limit (otherwise the
   * timer already points at the next due call). Slots freed in the same turn of the event loop
   * (answers that came back together, each freeing its slot a few promise steps after its
   * answer) are refilled by one claim, sent once the turn's callbacks and promise steps have
   * run: refilled at the first freed slot's next microtask instead, a backlog drained by four
   * workers fell from claims of ten calls to claims of four, each costing the server as much.
   */
  function refill() {
    if (!running || !saturated || refillQueued) return;
    refillQueued = true;
    setImmediate(() => {
      refillQueued = false;
      void pump();
    });
  }

  async function start() {
    if (running) return;
    running = true;
    await onLoop.enter();
    await follower.start();
    await pump();
  }

  async function stop() {
    running = false;
    timer.clear();
    // The calls claimed ahead hand back now, not once a place frees.
    slots.drain();
    follower.stopSweep();
    await onLoop.stopListening();
    // A claim on its way when the loop stopped: its rows are tracked, and handed back, first.
    await pumped;
    await arming.settled();
    while (placements.size() > 0) await Promise.allSettled(placements.pending());
    await follower.stop();
    onLoop.leave();
  }

  const handleStatus = async (event: CallStatusEvent, known?: StoredCall) =>
    outcomes.handleStatus(event, known);

  /** Claims again now: places may have freed that no timer points at (a campaign's cap). */
  const poke = () => {
    if (running) void pump();
  };

  return { wake, poke, handleStatus, cancel, start, stop, follower, outcomes };
}

/**
 * An engine's place on the dispatch loop: counted among its engines from `enter()` to
 * `leave()`, and, unless it claims from a source of its own (a campaign), taking the store's
 * wakes through the loop's one subscription until `stopListening()`.
 */
function engineOnLoop(
  ctx: DispatcherContext,
  loop: LoopParts,
  onWake: (wakeAt: number | null) => void,
) {
  let leave: (() => void) | null = null;
  let unsubscribe: (() => Promise<void>) | null = null;
  return {
    async enter() {
      leave = loop.join();
      if (!ctx.source) unsubscribe = await loop.subscribe(onWake);
    },
    async stopListening() {
      const stop = unsubscribe;
      unsubscribe = null;
      await stop?.();
    },
    leave() {
      leave?.();
      leave = null;
    },
  };
}

/**
 * Which claims mark their calls, and how many calls are claimed ahead. The scheduler's own
 * unpaced claims mark the calls that have a place at once (a campaign's source decides its own
 * marks; a paced call waits for its turn after its claim).
 *
 * On a store whose claim cannot mark (no `capabilities.marks`), the scheduler's own unpaced claims
 * take up to `concurrency` calls ahead: a place that frees goes to one of them at once, with its
 * mark the only write on the way, and the claim that refills the reserve is off the path of the
 * next request. Where the claim marks, it is itself that one write: a call claimed ahead would
 * cost a write more (its mark, apart from its claim) and save no round trip, so nothing is
 * claimed ahead. Paced claims hold send slots, and a campaign's store counts its claimed rows
 * against its cap: neither claims ahead.
 */
function claimsAhead(ctx: DispatcherContext, pacing: Pacing) {
  const marksOwnClaims = !ctx.source && !pacing.paced;
  const reserve = marksOwnClaims && ctx.store.capabilities.marks !== true ? ctx.concurrency : 0;
  return { marksOwnClaims, reserve };
}

/**
 * The parts of an engine, wired together: the pacing (the source's, or the scheduler's own), the
 * outcomes, the follower, the placer and the canceler. `loop` is what they use of the loop.
 */
function engineParts(
  ctx: DispatcherContext,
  loop: {
    wake: (at: number) => void;
    isRunning: () => boolean;
    reportError: ReportError;
    sweeps: LoopParts['sweep'];
  },
) {
  const { store, provider, clock, workerId, emitter, mutate, leaseMs, callTimeoutMs } = ctx;
  const { wake, isRunning, reportError, sweeps } = loop;
  const campaign = ctx.campaign ?? null;
  const pacing =
    ctx.source?.pacing ??
    createPacing({
      store,
      clock,
      callsPerSecond: ctx.callsPerSecond,
      leaseMs,
      share: ctx.budget ? { ...ctx.budget, key: 'scheduler' } : undefined,
      provider: provider.name,
    });
  const outcomes = createOutcomes({
    store,
    clock,
    emitter,
    mutate,
    callerId: ctx.callerId,
    generateId: ctx.generateId,
    wake,
    callTimeoutMs,
    ...(ctx.maxEarlyEvents === undefined ? {} : { maxEarlyEvents: ctx.maxEarlyEvents }),
    campaign,
    provider: provider.name,
  });
  const follower = createFollower({
    store,
    provider,
    clock,
    mutate,
    workerId,
    outcomes,
    leaseMs,
    watchIntervalMs: ctx.watchIntervalMs,
    callTimeoutMs,
    campaign,
    isRunning,
    reportError,
    sweeps,
  });
  // The list the claims check in their own transactions, unless another store keeps it.
  const list = ctx.doNotCall ?? store;
  const dispatch = createPlacer({
    clock,
    emitter,
    mutate,
    provider,
    workerId,
    leaseMs,
    callTimeoutMs,
    outcomes,
    isRunning,
    reportError,
    follow: follower.follow,
    polls: follower.polls,
    adopt: follower.adopted,
    wake,
    pacing,
    tracing: ctx.tracing,
    lastCheck: {
      list: list.getSuppression ? list : null,
      claimsReadList: list === store,
      halted: ctx.halted,
      rested: ctx.rested,
    },
  });
  const cancel = createCanceler({
    provider,
    clock,
    emitter,
    mutate,
    outcomes,
    unfollow: follower.unfollow,
  });
  return { pacing, outcomes, follower, dispatch, cancel };
}

/**
 * The dispatches under way: each claimed call placed in a slot of its own, given back once its
 * outcome is written (or its dispatch failed, which is reported).
 */
function createPlacements(
  slots: ReturnType<typeof createSlots>,
  dispatch: ReturnType<typeof createPlacer>,
  reportError: ReportError,
) {
  const placements = new Set<Promise<void>>();
  return {
    track(
      row: StoredCall,
      sendAt: number | null,
      batch: SpanLike | undefined,
      marked: boolean,
      claimedAt: number,
    ) {
      const slot = slots.take();
      const settle = () => {
        slot.sent();
        slot.recorded();
        placements.delete(done);
      };
      const done: Promise<void> = dispatch(row, slot, sendAt, batch, marked, claimedAt).then(
        settle,
        (error: unknown) => {
          reportError(error, 'store', row.id);
          settle();
        },
      );
      placements.add(done);
    },
    size: () => placements.size,
    pending: () => [...placements],
  };
}

/**
 * The span of a claim that found calls, the parent of their placements (`undefined` when
 * tracing is off); the re-checks that find none are not spans.
 */
function claimSpan(
  ctx: Pick<DispatcherContext, 'tracing' | 'workerId'>,
  claimed: number,
  free: number,
  claimStarted: number,
): SpanLike | undefined {
  if (claimed === 0 || !ctx.tracing.enabled) return undefined;
  return ctx.tracing.start(
    'ringkit.scheduler.dispatch',
    {
      'ringkit.worker.id': ctx.workerId,
      'ringkit.dispatch.claimed': claimed,
      'ringkit.dispatch.free_slots': free,
    },
    { startTime: performance.timeOrigin + claimStarted },
  );
}
