/**
 * The operator's page's figures: every interval (1 s), what the observer saw in it becomes one
 * sample (calls placed per second, dispatch lag and provider response time p50/p99, ends by
 * status, calls in flight), kept for five minutes and sent live on `GET /api/ops/events`.
 */
import type { TerminalCallStatus } from '@ringkit/call-client';
import type { Request, Response } from 'express';
import { createEventHub, type EventHubOptions } from './event-hub.js';
import { CALL_SOURCES, type CallSource, type Observer } from './observe.js';

/** One interval's figures, as `GET /api/ops` and the `ops-sample` event carry them. */
export interface OpsSample {
  /** The end of the interval (epoch ms). */
  t: number;
  /** Calls the provider accepted in the interval, per second, by source. */
  placed_per_s: Record<CallSource, number>;
  /** Due time → request sent, of the interval's scheduled placements (ms); `null` for none. */
  dispatch_lag_ms: Percentiles;
  /** Request → the provider's answer, of the interval's placements of both sources (ms). */
  provider_ms: Percentiles;
  /** Attempts that ended in the interval, by terminal status. */
  ended: Record<TerminalCallStatus, number>;
  /** Calls in flight at the end of the interval, by source. */
  in_flight: Record<CallSource, number>;
}

export interface Percentiles {
  p50: number | null;
  p99: number | null;
}

export interface OpsSamplerOptions {
  /**
   * Milliseconds each sample covers.
   * @default 1000
   */
  intervalMs?: number;
  /**
   * Samples kept for `GET /api/ops` and for replay.
   * @default 300
   */
  capacity?: number;
  /**
   * Values of one interval kept for its percentiles; past it, the later ones are not counted in
   * them (they still are in the rates).
   * @default 10000
   */
  maxValues?: number;
  /** Limits of the sample stream (`limits`: a budget shared with the app's own stream). */
  streams?: Pick<EventHubOptions, 'limits' | 'heartbeatMs'>;
  /** @default Date.now */
  now?: () => number;
  /** What a failed count of the calls in flight threw; the last count is kept meanwhile. */
  onError?: (error: unknown) => void;
}

export interface OpsSampler {
  readonly intervalMs: number;
  /** The samples kept, oldest first. */
  samples(): OpsSample[];
  /** Serves one Server-Sent Events stream of `ops-sample` events (`Last-Event-ID` resumes). */
  serve(req: Request, res: Response, lastEventId: string | undefined): void;
  /** Stops sampling and ends the streams. */
  close(): void;
}

const TERMINAL: readonly TerminalCallStatus[] = [
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
];

/** The nearest-rank percentile `p` (0–100) of `values`, which it sorts; `null` for none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * values.length));
  return values[rank - 1]!;
}

const round = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);

/** Samples the observer every `intervalMs`, from now until `close()`. */
export function createOpsSampler(observer: Observer, options: OpsSamplerOptions = {}): OpsSampler {
  const intervalMs = options.intervalMs ?? 1000;
  const capacity = options.capacity ?? 300;
  const maxValues = options.maxValues ?? 10_000;
  const now = options.now ?? Date.now;
  const hub = createEventHub({ ...options.streams, capacity });
  const kept: OpsSample[] = [];

  const fresh = () => ({
    placed: { scheduler: 0, dialer: 0 } as Record<CallSource, number>,
    lags: [] as number[],
    durations: [] as number[],
    ended: Object.fromEntries(TERMINAL.map((s) => [s, 0])) as Record<TerminalCallStatus, number>,
  });
  let current = fresh();
  /** When `current` began. */
  let since = now();
  let inFlight: Record<CallSource, number> = { scheduler: 0, dialer: 0 };
  let sampling = false;
  let closed = false;

  const stops = [
    observer.onPlacement((p) => {
      if (p.outcome === 'placed') current.placed[p.source] += 1;
      if (current.durations.length < maxValues) current.durations.push(p.durationMs);
      if (p.lagMs !== null && current.lags.length < maxValues) current.lags.push(p.lagMs);
    }),
    observer.onEnded((e) => {
      current.ended[e.status] += 1;
    }),
  ];

  async function sample() {
    // A count still under way: this interval joins the next (the rates count its length).
    if (sampling || closed) return;
    sampling = true;
    const seen = current;
    const at = now();
    const seconds = Math.max(1, at - since) / 1000;
    current = fresh();
    since = at;
    // A count that does not answer well within the interval (a hung store) leaves the last one
    // shown, and the next sample is on time.
    const patienceMs = Math.max(1, Math.floor(intervalMs * 0.8));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the count of calls in flight took over ${patienceMs} ms`)),
        patienceMs,
      );
    });
    try {
      inFlight = await Promise.race([observer.inFlight(), late]);
    } catch (error) {
      options.onError?.(error);
    } finally {
      clearTimeout(timer);
      sampling = false;
    }
    if (closed) return;
    const next: OpsSample = {
      t: at,
      placed_per_s: Object.fromEntries(
        CALL_SOURCES.map((source) => [source, round(seen.placed[source] / seconds)]),
      ) as Record<CallSource, number>,
      dispatch_lag_ms: {
        p50: round(percentile(seen.lags, 50)),
        p99: round(percentile(seen.lags, 99)),
      },
      provider_ms: {
        p50: round(percentile(seen.durations, 50)),
        p99: round(percentile(seen.durations, 99)),
      },
      ended: seen.ended,
      in_flight: { ...inFlight },
    };
    kept.push(next);
    if (kept.length > capacity) kept.shift();
    hub.publish('ops-sample', next);
  }

  const timer = setInterval(() => void sample(), intervalMs);
  timer.unref();

  return {
    intervalMs,
    samples: () => kept.slice(),
    serve: (req, res, lastEventId) => hub.serve(req, res, lastEventId),
    close() {
      closed = true;
      clearInterval(timer);
      for (const stop of stops) stop();
      hub.close();
    },
  };
}
