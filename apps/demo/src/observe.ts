/**
 * What the app observes of its calls, in one place: every placement (with its timings) and every
 * end, from the scheduler and from the dialer. `/metrics` (metrics.ts) and the operator's page
 * (ops.ts) both read it; neither subscribes to the packages' events itself.
 */
import type { TerminalCallStatus } from '@ringkit/call-client';
import { LIVE_STATUSES, type LiveStatus } from '@ringkit/scheduler-core';

/** Which part of the app placed a call. */
export type CallSource = 'scheduler' | 'dialer';

/** Every {@link CallSource}. */
export const CALL_SOURCES = ['scheduler', 'dialer'] as const satisfies readonly CallSource[];

/**
 * What became of one placement request: `placed` (the provider accepted it), `not_placed` (it
 * surely did not: refused, `429`, `503`, a `4xx`) or `unknown` (it may have rung: a timeout, a
 * reset, `500`, `502`, `504`).
 */
export type PlacementOutcome = 'placed' | 'not_placed' | 'unknown';

/** One placement request, as the scheduler or the dialer reported it. */
export interface PlacementObservation {
  source: CallSource;
  /** The provider's `name`: `'mock-call-api'`, `'num-dialer'`, `'twilio'`, `'telnyx'`. */
  provider: string;
  outcome: PlacementOutcome;
  /** Milliseconds from the request leaving to the provider's answer (or the failure). */
  durationMs: number;
  /** Milliseconds from the call's due time to the request leaving; `null` for the dialer. */
  lagMs: number | null;
  /** When the answer came (epoch ms). */
  at: number;
}

/** One attempt that reached a terminal status. */
export interface EndObservation {
  source: CallSource;
  status: TerminalCallStatus;
  /** Epoch ms. */
  at: number;
}

export interface Observer {
  /** Calls `listener` for every placement from now on; returns the way to stop. */
  onPlacement(listener: (placement: PlacementObservation) => void): () => void;
  /** Calls `listener` for every attempt that ends from now on; returns the way to stop. */
  onEnded(listener: (end: EndObservation) => void): () => void;
  /** Calls in flight now, by source: from the request leaving to a terminal status. */
  inFlight(): Promise<Record<CallSource, number>>;
  /**
   * The store's live scheduled calls by status (every process sharing the store): `scheduled`,
   * `queued`, `initiated`, `ringing`, `answered`. Finished calls are counted as they end
   * ({@link Observer.onEnded}), not here.
   */
  scheduledCounts(): Promise<Record<LiveStatus, number>>;
}

/** An {@link Observer} with the two calls that feed it. */
export interface ObserverHub extends Observer {
  /** Tells every `onPlacement` listener. */
  placement(placement: PlacementObservation): void;
  /** Tells every `onEnded` listener. */
  ended(end: EndObservation): void;
}

export interface ObserverSources {
  /** The store's live calls by status (`scheduler.counts()`). */
  counts: () => Promise<Record<LiveStatus, number>>;
  /** The dialer's calls in flight now. */
  dialerInFlight: () => number;
  /** What a listener threw; listeners never stop the others or the caller. */
  onListenerError: (error: unknown) => void;
  /**
   * Milliseconds a count of the store is reused: `/metrics` and the operator's page each ask
   * every few seconds, and one `GROUP BY` answers both.
   * @default 1000
   */
  countsMaxAgeMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** The live statuses of a call claimed or placed: all but `scheduled` (still waiting). */
const IN_FLIGHT = LIVE_STATUSES.filter((status) => status !== 'scheduled');

/** The observer of one runtime. */
export function createObserver(sources: ObserverSources): ObserverHub {
  const placementListeners = new Set<(placement: PlacementObservation) => void>();
  const endListeners = new Set<(end: EndObservation) => void>();
  const maxAgeMs = sources.countsMaxAgeMs ?? 1000;
  const now = sources.now ?? Date.now;
  let cached: { at: number; counts: Promise<Record<LiveStatus, number>> } | null = null;

  function tell<T>(listeners: Set<(value: T) => void>, value: T) {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        sources.onListenerError(error);
      }
    }
  }
  function listen<T>(listeners: Set<(value: T) => void>, listener: (value: T) => void) {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  function scheduledCounts() {
    const at = now();
    if (cached === null || at - cached.at >= maxAgeMs) {
      const counts = sources.counts();
      const entry = { at, counts };
      cached = entry;
      // A failed count is not kept: the next ask tries again.
      counts.catch(() => {
        if (cached === entry) cached = null;
      });
    }
    return cached.counts;
  }

  return {
    placement: (placement) => tell(placementListeners, placement),
    ended: (end) => tell(endListeners, end),
    onPlacement: (listener) => listen(placementListeners, listener),
    onEnded: (listener) => listen(endListeners, listener),
    scheduledCounts,
    async inFlight() {
      const counts = await scheduledCounts();
      return {
        scheduler: IN_FLIGHT.reduce((sum, status) => sum + counts[status], 0),
        dialer: sources.dialerInFlight(),
      };
    },
  };
}
