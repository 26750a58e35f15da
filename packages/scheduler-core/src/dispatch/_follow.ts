import { watchCall, type CallProvider, type CallStatus, type Clock } from '@ringkit/call-client';
import { clampTimerMs } from '@ringkit/internal';
import type { Store, StoredCall } from '../store.js';
import type { Outcomes } from './_outcomes.js';
import { createRecovery, isCallGone, vanished } from './_recover.js';
import { createSweep, isInFlight, placedAt } from './_sweep.js';
import type { Mutate } from './_writes.js';
import type { LoopParts } from './loop.js';

export interface FollowContext {
  store: Store;
  provider: CallProvider;
  clock: Clock;
  mutate: Mutate;
  workerId: string;
  outcomes: Outcomes;
  leaseMs: number;
  watchIntervalMs: number;
  callTimeoutMs: number;
  /** The rows this engine owns: a campaign's, or the scheduler's own (`null`). */
  campaign: string | null;
  isRunning: () => boolean;
  reportError: (
    error: unknown,
    source: 'store' | 'provider' | 'watch' | 'timeout_check',
    callId?: string,
  ) => void;
  /** The dispatch loop's one sweep, which this follower's joins. */
  sweeps: LoopParts['sweep'];
}

interface Watcher {
  controller: AbortController;
  done: Promise<void>;
  /** The row as last written by this worker (by a status or a lease renewal). */
  latest: StoredCall;
}

/**
 * Follows placed calls: by polling where the provider can be polled and sends no webhooks (one
 * watch per call, which keeps the row it last wrote, so a status costs one write), and, for every
 * provider, one sweep on a fixed cadence for calls that never end (`_sweep.ts`).
 *
 * The watches are `watchCall`s on this scheduler's clock, so they share call-client's poller: one
 * clock timer for all of them however many calls are in flight, a bound on status requests in
 * flight at once, and a call that stays in one status polled less often (from `watchIntervalMs`
 * up to five times that), at `watchIntervalMs` again once it moves.
 *
 * A polled call is followed under a lease, like a claim: `leaseOwner` and `leaseUntil` on the
 * in-flight row, renewed every `leaseMs / 3` for all of this worker's watches together
 * ({@link createRenewals}). The end of that lease is the row's wake time in the store, so when a
 * worker dies its leases run out and the first surviving worker whose timer fires claims the
 * calls and adopts them ({@link adopted}), as it would reclaim a call left mid-placement.
 *
 * At start, and at every takeover, the provider is asked where the calls nobody follows stand
 * (`_recover.ts`): webhooks sent while no worker was there to take them are lost.
 */
export function createFollower(ctx: FollowContext) {
  const { clock, provider, mutate, workerId } = ctx;
  const watchers = new Map<string, Watcher>();
  const renewals = createRenewals(ctx, watchers);
  // A look-up that cannot tell how a call ended (capabilities.polling false: Telnyx) is no way
  // to follow one.
  const polls = () =>
    provider.capabilities.polling && Boolean(provider.getCall) && !provider.capabilities.webhooks;
  const unfollow = (id: string) => watchers.get(id)?.controller.abort();
  const sweeper = createSweep({
    ...ctx,
    unfollow,
    orphaned: (row, now) => polls() && !watchers.has(row.id) && adoptable(row, now),
    adopt,
  });
  const recovery = createRecovery({
    ...ctx,
    watching: (id) => watchers.has(id),
    expire: (row) => sweeper.expire(row),
    adopt: (row, lookedUp) => (polls() ? adopt(row, lookedUp) : Promise.resolve()),
  });
  const pass = createRecoveryPass(ctx, recovery, sweeper);

  /** Follows a placed call by polling (see {@link watchRow}). */
  const follow = (row: StoredCall, justPlaced = false) =>
    watchRow(ctx, { watchers, renewals, polls }, row, justPlaced);

  /** Whether this worker may take over following `row`: nobody holds a live lease on it. */
  function adoptable(row: StoredCall, now: number) {
    return (
      isInFlight(row) &&
      row.providerCallId !== null &&
      (row.leaseOwner === null ||
        row.leaseOwner === workerId ||
        row.leaseUntil === null ||
        row.leaseUntil <= now)
    );
  }

  /**
   * Takes over a call in flight this worker has just claimed (its follower's lease ran out, or
   * it gave the call up). Its follower is gone, and webhooks may have been lost with it, so the
   * provider is asked first where it can be: a call that ended is settled. One still alive is
   * followed by polling, or, with a provider that sends webhooks, its lease is given up again,
   * since the webhooks reach whichever worker receives them and the sweep ends the call at its
   * timeout.
   */
  async function adopted(claim: StoredCall) {
    if (placedAt(claim) + ctx.callTimeoutMs <= clock.now()) {
      await sweeper.expire(claim);
      return;
    }
    const watching = watchers.get(claim.id);
    if (watching) {
      watching.latest = claim; // its own lease, taken again after a stall: keep following
      return;
    }
    const told = ctx.isRunning() ? await recovery.lookUp(claim) : null;
    if (told !== null && !(isInFlight(told) && told.providerCallId === claim.providerCallId)) {
      return; // ended, as the provider said
    }
    const row = told ?? claim;
    if (polls() && ctx.isRunning()) {
      follow(row, told !== null);
      return;
    }
    const now = clock.now();
    await mutate(
      row.id,
      (r) =>
        isInFlight(r) && r.leaseOwner === workerId
          ? // Stopping: hand it to another worker at once. Webhooks: nobody needs to hold it.
            { leaseOwner: null, leaseUntil: polls() ? now : null }
          : null,
      { fresh: row },
    );
  }

  /**
   * Takes the follow lease of a call whose follower is gone, then follows it (`lookedUp`: its
   * status was read just now, so its first poll is one interval later).
   */
  async function adopt(row: StoredCall, lookedUp = false) {
    const now = clock.now();
    const { row: taken, changed } = await mutate(
      row.id,
      (r) => (adoptable(r, now) ? { leaseOwner: workerId, leaseUntil: now + ctx.leaseMs } : null),
      { fresh: row },
    );
    if (changed) follow(taken, lookedUp);
  }

  return {
    follow,
    adopted,
    /** Whether a placed call of this provider is followed by polling, under a follow lease. */
    polls,
    /**
     * Starts the pass over the calls in flight (it runs on while the engine claims): those past
     * `callTimeoutMs` expire, the provider is asked about those nobody follows, and a polled
     * call still alive is adopted. The sweep's cadence starts once it is done.
     */
    start(): Promise<void> {
      pass.run();
      return Promise.resolve();
    },
    /** Stops the sweep and every watch, once they are done, and gives up their leases. */
    async stop() {
      sweeper.stop();
      pass.stop();
      await pass.running();
      renewals.stop();
      const active = [...watchers.values()];
      for (const watcher of active) watcher.controller.abort();
      await Promise.allSettled(active.map((w) => w.done));
      await Promise.all(active.map((watcher) => release(ctx, watcher)));
    },
    /** Stops watching a call that has ended (canceled by this worker). */
    unfollow(id: string) {
      unfollow(id);
    },
    /**
     * Stops the sweep timer and cuts short the look-ups under way (placements in flight may
     * still start watches).
     */
    stopSweep() {
      sweeper.stop();
      pass.stop();
    },
  };
}

/**
 * Follows a placed call by polling, when the provider can be polled and sends no webhooks. A
 * call `justPlaced` (or just looked up) is first polled one interval later: the answer to its
 * placement was its status a moment ago. Otherwise it is polled at once.
 */
function watchRow(
  ctx: FollowContext,
  follower: {
    watchers: Map<string, Watcher>;
    renewals: ReturnType<typeof createRenewals>;
    polls: () => boolean;
  },
  row: StoredCall,
  justPlaced: boolean,
) {
  const { clock, provider, outcomes } = ctx;
  const { watchers, renewals, polls } = follower;
  if (!ctx.isRunning() || !polls()) return;
  if (row.providerCallId === null || watchers.has(row.id)) return;
  const providerCallId = row.providerCallId;
  const controller = new AbortController();
  const watcher: Watcher = { controller, done: Promise.resolve(), latest: row };
  watcher.done = (async () => {
    try {
      for await (const event of watchCall(provider, providerCallId, {
        intervalMs: ctx.watchIntervalMs,
        firstPollDelayMs: justPlaced ? ctx.watchIntervalMs : 0,
        since: row.status as CallStatus,
        signal: controller.signal,
        clock,
      })) {
        watcher.latest = (await outcomes.applyStatus(event, watcher.latest)) ?? watcher.latest;
      }
    } catch (error) {
      ctx.reportError(error, 'watch', row.id);
      // Any other error leaves the call to the sweep, which ends it at `callTimeoutMs`.
      if (isCallGone(error)) await vanished(ctx, watcher.latest, providerCallId, error);
    } finally {
      watchers.delete(row.id);
    }
  })();
  watchers.set(row.id, watcher);
  renewals.arm();
}

/**
 * Gives up this worker's follow lease on a call, with a lease that has run out already: it is
 * the row's wake time, so another worker claims and adopts the call at once.
 */
async function release(ctx: FollowContext, watcher: Watcher) {
  const now = ctx.clock.now();
  await ctx
    .mutate(
      watcher.latest.id,
      (r) =>
        isInFlight(r) && r.leaseOwner === ctx.workerId
          ? { leaseOwner: null, leaseUntil: now }
          : null,
      { fresh: watcher.latest },
    )
    .catch((error: unknown) => ctx.reportError(error, 'store', watcher.latest.id));
}

/**
 * The follow leases of a worker's watches, extended together every `leaseMs / 3` while it has
 * any: a watch whose call another worker has adopted meanwhile is stopped.
 */
function createRenewals(ctx: FollowContext, watchers: Map<string, Watcher>) {
  const { clock, mutate, workerId } = ctx;
  let renewTimer: unknown = null;

  /** Extends the follow lease of every call this worker watches, together. */
  function arm() {
    if (renewTimer !== null || watchers.size === 0 || !ctx.isRunning()) return;
    renewTimer = clock.setTimeout(
      () => {
        renewTimer = null;
        const until = clock.now() + ctx.leaseMs;
        void Promise.all(
          [...watchers.values()].map(async (watcher) => {
            const { row, changed } = await mutate(
              watcher.latest.id,
              (r) => (isInFlight(r) && r.leaseOwner === workerId ? { leaseUntil: until } : null),
              { fresh: watcher.latest },
            );
            if (changed) watcher.latest = row;
            else if (row.leaseOwner !== workerId) watcher.controller.abort(); // adopted elsewhere
          }),
        )
          .catch((error: unknown) => ctx.reportError(error, 'store'))
          .finally(arm);
      },
      clampTimerMs(Math.floor(ctx.leaseMs / 3)),
    );
  }

  return {
    arm,
    stop() {
      if (renewTimer !== null) clock.clearTimeout(renewTimer);
      renewTimer = null;
    },
  };
}

/**
 * The pass over the calls in flight at start (`run`): the sweep's cadence starts once it is
 * done; a pass the store failed is reported and tried again at that cadence.
 */
function createRecoveryPass(
  ctx: FollowContext,
  recovery: ReturnType<typeof createRecovery>,
  sweeper: ReturnType<typeof createSweep>,
) {
  const { clock } = ctx;
  /** The pass of the calls in flight at start, while it runs. */
  let recovering: Promise<void> | null = null;
  /** The timer of the next try of a pass that failed (the store did not answer). */
  let retryTimer: unknown = null;

  /**
   * Runs the pass over the calls in flight; the sweep's cadence starts once it is done. A pass
   * the store failed is reported and tried again at that cadence.
   */
  function recover() {
    const pass: Promise<void> = recovery.run().then(
      () => {
        if (recovering !== pass) return;
        recovering = null;
        sweeper.arm();
      },
      (error: unknown) => {
        ctx.reportError(error, 'store');
        if (recovering !== pass) return;
        recovering = null;
        if (!ctx.isRunning()) return;
        retryTimer = clock.setTimeout(
          () => {
            retryTimer = null;
            if (ctx.isRunning()) recover();
          },
          clampTimerMs(Math.min(ctx.callTimeoutMs, 60_000)),
        );
      },
    );
    recovering = pass;
  }

  function stopRecovery() {
    recovery.abort();
    if (retryTimer !== null) clock.clearTimeout(retryTimer);
    retryTimer = null;
  }

  return {
    run: recover,
    stop: stopRecovery,
    /** The pass while it runs, else `null`. */
    running: () => recovering,
  };
}
