import {
  isTerminal,
  type CallProvider,
  type CallStatusEvent,
  type Clock,
  type ProviderCall,
} from '@ringkit/call-client';
import type { Store, StoredCall } from '../store.js';
import type { ScheduledCallStatus } from '../types.js';
import { deadlineOf } from './_deadline.js';
import type { Outcomes } from './_outcomes.js';
import type { LoopParts } from './loop.js';

/** The statuses of a call placed and not ended yet. */
export const IN_FLIGHT: ScheduledCallStatus[] = ['initiated', 'ringing', 'answered'];

/** Whether `row` was placed and has not ended yet. */
export const isInFlight = (row: StoredCall): boolean => IN_FLIGHT.includes(row.status);

/** What `getCall` said of a call, as the status event that applies it. */
export function statusOf(call: ProviderCall, callId: string, at: number): CallStatusEvent {
  return {
    callId,
    status: call.status,
    providerStatus: call.providerStatus,
    at: new Date(at),
    raw: call.raw,
    ...(call.answeredBy === undefined ? {} : { answeredBy: call.answeredBy }),
  };
}

/**
 * Every call in flight of the engine's rows (a campaign's, or the scheduler's own) and its provider's, a
 * page of `limit` at a time, each page handled before the next is read, while the engine runs.
 */
export async function eachInFlightPage(
  ctx: Pick<SweepContext, 'store' | 'campaign' | 'isRunning' | 'provider'>,
  limit: number,
  handle: (rows: StoredCall[]) => Promise<unknown>,
): Promise<void> {
  const name = ctx.provider.name;
  // Another provider's calls are its workers' to follow: this provider knows nothing of them.
  const own = (row: StoredCall) => row.provider == null || row.provider === name;
  let cursor: string | null = null;
  do {
    const page = await ctx.store.list({ status: IN_FLIGHT, campaign: ctx.campaign, cursor, limit });
    await handle(page.items.filter(own));
    cursor = page.nextCursor;
  } while (cursor && ctx.isRunning());
}

/** The longest wait for the one `getCall` check of a call that timed out. */
export const TIMEOUT_CHECK_LIMIT_MS = 10_000;

/**
 * `check(signal)`, given `limitMs`: then its signal aborts and it rejects, whether or not the
 * provider honours the signal (a check that hangs never holds the sweep).
 */
async function checkWithin<T>(
  clock: Clock,
  limitMs: number,
  check: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = deadlineOf(
    clock,
    limitMs,
    () => new Error(`The check got no answer within ${limitMs} ms`),
  );
  try {
    return await deadline.race(check(deadline.signal));
  } finally {
    deadline.clear();
  }
}

/** When the current attempt of an in-flight row was placed. */
export function placedAt(row: StoredCall): number {
  const events = row.events ?? [];
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const event = events[i]!;
    if (event.attempt === row.attempt && event.status === 'initiated') return event.at;
  }
  return row.updatedAt;
}

export interface SweepContext {
  store: Store;
  provider: CallProvider;
  clock: Clock;
  outcomes: Outcomes;
  callTimeoutMs: number;
  /** The rows this engine owns: a campaign's, or the scheduler's own (`null`). */
  campaign: string | null;
  isRunning: () => boolean;
  reportError: (
    error: unknown,
    source: 'store' | 'provider' | 'timeout_check',
    callId?: string,
  ) => void;
  /** Stops this worker's watch of a call, if it has one. */
  unfollow: (id: string) => void;
  /** Whether this worker should take over following `row`: nobody follows it. */
  orphaned: (row: StoredCall, now: number) => boolean;
  /** Takes over following `row`. */
  adopt: (row: StoredCall) => Promise<void>;
  /** The dispatch loop's one sweep, which this one joins. */
  sweeps: LoopParts['sweep'];
}

/**
 * The sweep of the calls in flight, on a fixed cadence (every minute, or every `callTimeoutMs`
 * if shorter), for every provider: it ends the calls that never end (lost webhooks, a provider
 * that went quiet, a watch that gave up) and adopts those nobody follows. Its passes are the
 * dispatch loop's one sweep's (`loop.ts`), with those of the other engines on the loop.
 */
export function createSweep(ctx: SweepContext) {
  const { provider, clock, outcomes } = ctx;
  let leave: (() => void) | null = null;

  /**
   * Ends one call that stayed in flight past `callTimeoutMs`: one `getCall` check first, where
   * the provider has it (a terminal answer is taken), given at most
   * {@link TIMEOUT_CHECK_LIMIT_MS}; else `failed`, reason `timeout`, with the check's failure as
   * its cause.
   */
  async function expire(row: StoredCall) {
    const getCall = provider.getCall?.bind(provider);
    let cause: unknown;
    if (getCall && row.providerCallId !== null) {
      try {
        const call = await checkWithin(clock, TIMEOUT_CHECK_LIMIT_MS, (signal) =>
          getCall(row.providerCallId!, { signal }),
        );
        if (isTerminal(call.status)) {
          await outcomes.applyStatus(statusOf(call, row.providerCallId, clock.now()), row);
          return;
        }
      } catch (error) {
        cause = error;
        ctx.reportError(error, 'timeout_check', row.id);
      }
    }
    ctx.unfollow(row.id);
    await outcomes.finish(
      row,
      cause === undefined
        ? { status: 'failed', reason: 'timeout' }
        : { status: 'failed', reason: 'timeout', error: cause },
    );
  }

  /**
   * Reads every call in flight: ends those past `callTimeoutMs` (lost webhooks, a provider that
   * went quiet, a watch that gave up) and, with a polled provider, adopts those nobody holds a
   * lease on (rows written before follow leases existed). Rows are read from the store, so a
   * restart loses none. Calls whose follower died are adopted sooner, by the dispatch timer.
   */
  async function sweep(): Promise<void> {
    const now = clock.now();
    await eachInFlightPage(ctx, 500, async (rows) => {
      for (const row of rows) {
        if (!ctx.isRunning()) break;
        if (placedAt(row) + ctx.callTimeoutMs <= now) await expire(row);
        else if (ctx.orphaned(row, now)) await ctx.adopt(row);
      }
    });
  }

  /** Joins the loop's sweep: a pass every minute, or every `callTimeoutMs` if shorter. */
  function arm() {
    if (!ctx.isRunning() || leave) return;
    leave = ctx.sweeps({
      cadenceMs: Math.min(ctx.callTimeoutMs, 60_000),
      sweep: () => sweep().catch((error: unknown) => ctx.reportError(error, 'store')),
    });
  }

  return {
    expire,
    sweep,
    arm,
    /** Leaves the loop's sweep (a sweep under way ends once `isRunning()` is false). */
    stop() {
      leave?.();
      leave = null;
    },
  };
}
