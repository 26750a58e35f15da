/**
 * What the app observes of its calls, in one place: every placement (with its timings) and every
 * end, from the scheduler and from the dialer, and what became of each person who answered a
 * campaign with agents. `/metrics` (metrics.ts) and the operator's page
 * (ops.ts) both read it; neither subscribes to the packages' events itself.
 */
import type { TerminalCallStatus } from '@ringkit/call-client';
import { LIVE_STATUSES, type LiveStatus } from '@ringkit/scheduler-core';
import { cachedRead } from './cached-read.js';

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
  /**
   * The provider's `name`: `'mock-call-api'`, `'num-dialer'`, `'twilio'`, `'telnyx'`,
   * `'signalwire'`, `'vonage'`.
   */
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

/** What became of a person who answered a call of a campaign with agents. */
export interface AnswerObservation {
  campaign: string;
  /** `connected`: an agent took the call; `abandoned`: they heard the safe-harbour message. */
  outcome: 'connected' | 'abandoned';
  /** Milliseconds from the answer to the agent's line (or to the abandon). */
  waitMs: number;
  /** Epoch ms. */
  at: number;
}

export interface Observer {
  /** Calls `listener` for every placement from now on; returns the way to stop. */
  onPlacement(listener: (placement: PlacementObservation) => void): () => void;
  /** Calls `listener` for every attempt that ends from now on; returns the way to stop. */
  onEnded(listener: (end: EndObservation) => void): () => void;
  /** Calls `listener` for every person who answers a campaign with agents from now on. */
  onAnswer(listener: (answer: AnswerObservation) => void): () => void;
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
  /** Tells every `onAnswer` listener. */
  answer(answer: AnswerObservation): void;
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
  const answerListeners = new Set<(answer: AnswerObservation) => void>();
  const scheduledCounts = cachedRead(sources.counts, {
    maxAgeMs: sources.countsMaxAgeMs ?? 1000,
    ...(sources.now ? { now: sources.now } : {}),
  });

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

  return {
    placement: (placement) => tell(placementListeners, placement),
    ended: (end) => tell(endListeners, end),
    onPlacement: (listener) => listen(placementListeners, listener),
    onEnded: (listener) => listen(endListeners, listener),
    answer: (answer) => tell(answerListeners, answer),
    onAnswer: (listener) => listen(answerListeners, listener),
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
