import { isHttpError, type ProviderCall } from '@ringkit/call-client';
import type { StoredCall } from '../store.js';
import { eachInFlightPage, isInFlight, placedAt, statusOf, type SweepContext } from './_sweep.js';

/** The look-ups (`getCall`) one engine has under way at once, at most. */
export const LOOK_UP_CONCURRENCY = 4;
/** The calls in flight read per page by the pass at start. */
const PAGE_SIZE = 100;

/**
 * The reason of a call its provider no longer knows: a status read of the placed call answered
 * `404` (the provider restarted, or dropped it). The dialer ends such an entry with the same word.
 */
const WATCH_FAILED = 'watch_failed';

/** A `404` to `getCall` of a call the provider accepted: it no longer knows the call. */
export const isCallGone = (error: unknown) => isHttpError(error) && error.status === 404;

export interface RecoveryContext extends Pick<
  SweepContext,
  | 'store'
  | 'provider'
  | 'clock'
  | 'outcomes'
  | 'callTimeoutMs'
  | 'campaign'
  | 'isRunning'
  | 'reportError'
> {
  workerId: string;
  /** Whether this worker follows the call by polling now. */
  watching: (id: string) => boolean;
  /** Ends a call past `callTimeoutMs` (the sweep's `expire`). */
  expire: (row: StoredCall) => Promise<void>;
  /**
   * Takes over following a call in flight nobody follows, where the provider is polled (a no-op
   * otherwise). `lookedUp`: its status was read just now.
   */
  adopt: (row: StoredCall, lookedUp: boolean) => Promise<void>;
}

/**
 * Finds again the calls in flight after a restart, or a takeover: their follower is gone, and
 * webhooks sent meanwhile may have been lost, so the provider is asked where each call stands
 * (`getCall`) rather than waiting for `callTimeoutMs`. What it says goes through the outcomes
 * like any status: an end is the attempt's end (a retry, the record, the events, a campaign's
 * place freed); a call still alive stays in flight, followed by polling where the provider is
 * polled. A provider without `getCall` cannot tell: its calls wait for their webhooks or their
 * timeout. Look-ups are few at a time ({@link LOOK_UP_CONCURRENCY}), a failure is an `error`
 * event that leaves the call as it was, and `abort()` cuts short those under way.
 */
export function createRecovery(ctx: RecoveryContext) {
  const { provider, clock, outcomes } = ctx;
  const limit = createLimit(LOOK_UP_CONCURRENCY);
  let controller = new AbortController();

  /**
   * Asks the provider where one call stands and applies the answer: resolves to the row as it
   * left it (ended, moved forward, or as it was), or `null` when the provider could not be asked
   * (no `getCall`, a failure other than `404`, stopping). A `404` ends the call at once (see
   * {@link vanished}).
   */
  function lookUp(row: StoredCall): Promise<StoredCall | null> {
    const getCall = provider.getCall?.bind(provider);
    const providerCallId = row.providerCallId;
    if (!getCall || providerCallId === null) return Promise.resolve(null);
    const { signal } = controller;
    return limit(async () => {
      if (!ctx.isRunning() || signal.aborted) return null;
      let call: ProviderCall;
      try {
        call = await getCall(providerCallId, { signal });
      } catch (error) {
        if (signal.aborted) return null;
        ctx.reportError(error, 'provider', row.id);
        return isCallGone(error) ? vanished(ctx, row, providerCallId, error) : null;
      }
      return outcomes.applyStatus(statusOf(call, providerCallId, clock.now()), row);
    });
  }

  /**
   * Whether the call is this engine's to look up at start: nobody holds a lease on it (a call
   * followed by its webhooks), or a lease of this worker's own id from before a restart. A call
   * under a lease of another worker is left alone: it is followed, or, once that lease runs out,
   * claimed and taken over (`adopted` in `_follow.ts`), which asks the provider too.
   */
  const unfollowed = (row: StoredCall, now: number) =>
    row.leaseUntil === null || (row.leaseOwner === ctx.workerId && row.leaseUntil > now);

  /** Settles one call in flight read by the pass at start. */
  async function settle(row: StoredCall) {
    try {
      if (!ctx.isRunning() || row.providerCallId === null || ctx.watching(row.id)) return;
      const now = clock.now();
      if (placedAt(row) + ctx.callTimeoutMs <= now) {
        await limit(async () => {
          if (ctx.isRunning()) await ctx.expire(row);
        });
        return;
      }
      if (!unfollowed(row, now)) return;
      const told = await lookUp(row);
      if (!ctx.isRunning()) return;
      if (told === null) {
        await ctx.adopt(row, false);
      } else if (isInFlight(told) && told.providerCallId === row.providerCallId) {
        await ctx.adopt(told, true);
      }
    } catch (error) {
      ctx.reportError(error, 'store', row.id);
    }
  }

  /**
   * The pass at start: every call in flight of this engine, a page at a time, each page settled
   * before the next is read. Calls past `callTimeoutMs` are expired; those nobody follows are
   * looked up.
   */
  async function run(): Promise<void> {
    if (controller.signal.aborted) controller = new AbortController();
    await eachInFlightPage(ctx, PAGE_SIZE, (rows) => Promise.all(rows.map(settle)));
  }

  return {
    lookUp,
    run,
    /** Cuts short the look-ups under way (stopping): their calls are left as they are. */
    abort() {
      controller.abort();
    },
  };
}

/**
 * Ends at once, `failed` with reason {@link WATCH_FAILED} and never retried, the attempt of a
 * call its provider answered `404` for: no status will ever come, and waiting `callTimeoutMs`
 * would keep it `answered` for hours. Its call record and events are written as for any end.
 * Resolves to the row as written (`null` when the write failed, which is reported).
 */
export async function vanished(
  ctx: Pick<RecoveryContext, 'outcomes' | 'reportError'>,
  row: StoredCall,
  providerCallId: string,
  error: unknown,
): Promise<StoredCall | null> {
  try {
    return await ctx.outcomes.finish(row, {
      status: 'failed',
      reason: WATCH_FAILED,
      providerCallId,
      error,
    });
  } catch (cause) {
    ctx.reportError(cause, 'store', row.id);
    return null;
  }
}

/** Runs tasks at most `max` at a time, the others in the order they came. */
function createLimit(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active < max) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The place goes straight to the next task waiting, if any.
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}
