import {
  isTerminal,
  watchCall,
  type CallProvider,
  type CallStatus,
  type Clock,
} from '@ringkit/call-client';
import type { Store, StoredCall } from '../store.js';
import type { ScheduledCallStatus } from '../types.js';
import type { Outcomes } from './_outcomes.js';

const IN_FLIGHT: ScheduledCallStatus[] = ['initiated', 'ringing', 'answered'];

export interface FollowContext {
  store: Store;
  provider: CallProvider;
  clock: Clock;
  outcomes: Outcomes;
  leaseMs: number;
  watchIntervalMs: number;
  callTimeoutMs: number;
  isRunning: () => boolean;
  reportError: (error: unknown, source: 'store' | 'provider' | 'watch', callId?: string) => void;
}

/**
 * Follows placed calls: by polling where the provider can be polled and sends no webhooks (one
 * watch per call, which keeps the row it last wrote, so a status costs one write), and, for every
 * provider, one sweep on a fixed cadence for calls that never end.
 */
export function createFollower(ctx: FollowContext) {
  const { store, provider, clock, outcomes } = ctx;
  const watchers = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let sweepTimer: unknown = null;
  const polls = () => Boolean(provider.getCall) && !provider.capabilities.webhooks;

  /** Follows a placed call by polling, when the provider can be polled and sends no webhooks. */
  function follow(row: StoredCall) {
    if (!ctx.isRunning() || !polls()) return;
    if (row.providerCallId === null || watchers.has(row.id)) return;
    const providerCallId = row.providerCallId;
    const controller = new AbortController();
    const done = (async () => {
      let latest = row;
      try {
        for await (const event of watchCall(provider, providerCallId, {
          intervalMs: ctx.watchIntervalMs,
          since: row.status as CallStatus,
          signal: controller.signal,
          clock,
        })) {
          latest = (await outcomes.applyStatus(event, latest)) ?? latest;
        }
      } catch (error) {
        ctx.reportError(error, 'watch', row.id);
      } finally {
        watchers.delete(row.id);
      }
    })();
    watchers.set(row.id, { controller, done });
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
          await outcomes.applyStatus(
            {
              callId: row.providerCallId,
              status: call.status,
              providerStatus: call.providerStatus,
              at: new Date(clock.now()),
            },
            row,
          );
          return;
        }
      } catch (error) {
        ctx.reportError(error, 'provider', row.id);
      }
    }
    watchers.get(row.id)?.controller.abort();
    await outcomes.finish(row, 'failed', 'timeout', false);
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
        if (!ctx.isRunning()) break;
        if (placedAt(row) + ctx.callTimeoutMs <= now) await expire(row);
        else if (row.updatedAt + adoptAfter <= now) follow(row);
      }
      cursor = page.nextCursor;
    } while (cursor && ctx.isRunning());
  }

  function armSweep() {
    if (!ctx.isRunning()) return;
    sweepTimer = clock.setTimeout(
      () => {
        void sweep()
          .catch((error: unknown) => ctx.reportError(error, 'store'))
          .finally(armSweep);
      },
      Math.min(ctx.callTimeoutMs, 60_000),
    );
  }

  return {
    follow,
    /** Arms the sweep and follows every call in flight (polling providers). */
    async start() {
      armSweep();
      if (!polls()) return;
      let cursor: string | null = null;
      do {
        const page = await store.list({ status: IN_FLIGHT, cursor, limit: 500 });
        for (const row of page.items) follow(row);
        cursor = page.nextCursor;
      } while (cursor);
    },
    /** Stops the sweep and every watch, once they are done. */
    async stop() {
      if (sweepTimer !== null) clock.clearTimeout(sweepTimer);
      sweepTimer = null;
      const active = [...watchers.values()];
      for (const watcher of active) watcher.controller.abort();
      await Promise.allSettled(active.map((w) => w.done));
    },
    /** Stops the sweep timer only (placements in flight may still start watches). */
    stopSweep() {
      if (sweepTimer !== null) clock.clearTimeout(sweepTimer);
      sweepTimer = null;
    },
  };
}
