/**
 * The operator's page's figures: every interval (1 s), what the observer saw in it becomes one
 * sample (calls placed per second, dispatch lag and provider response time p50/p99, ends by
 * status, calls in flight), kept for five minutes and sent live on `GET /api/ops/events`. Each
 * sample also carries the same figures over the last minute (`window`), the page's headline.
 */
import { TERMINAL_STATUSES, type TerminalCallStatus } from '@ringkit/call-client';
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
  /** The same figures over the last `windowMs` (a minute), up to the end of this interval. */
  window: OpsWindow;
}

/** The figures of the samples of a window of time, as if it were one long interval. */
export interface OpsWindow {
  /** Seconds the window covers: `windowMs`, or less while sampling has not run that long. */
  span_s: number;
  placed_per_s: Record<CallSource, number>;
  dispatch_lag_ms: Percentiles;
  provider_ms: Percentiles;
  ended: Record<TerminalCallStatus, number>;
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
   * Milliseconds the `window` figures of each sample cover.
   * @default 60000
   */
  windowMs?: number;
  /**
   * Values of one interval kept for its percentiles; past it, the later ones are not counted in
   * them (they still are in the rates). The window's percentiles are those of its newest
   * `maxValues` values.
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

/** The nearest-rank percentile `p` (0–100) of `values`, which it sorts; `null` for none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * values.length));
  return values[rank - 1]!;
}

const round = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);

const percentiles = (values: number[]): Percentiles => ({
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
});

/** Timed values: those of the last `ms` up to the time given, at most the newest `max`. */
function recentValues(ms: number, max: number) {
  const times: number[] = [];
  const values: number[] = [];
  return {
    add(at: number, list: readonly number[]) {
      for (const value of list) {
        times.push(at);
        values.push(value);
      }
    },
    /** The percentiles of the values of the window that ends at `at`. */
    percentilesAt(at: number): Percentiles {
      let drop = Math.max(0, times.length - max);
      while (drop < times.length && times[drop]! <= at - ms) drop += 1;
      times.splice(0, drop);
      values.splice(0, drop);
      return percentiles(values.slice());
    },
  };
}

const bySource = (of: (source: CallSource) => number) =>
  Object.fromEntries(CALL_SOURCES.map((source) => [source, of(source)])) as Record<
    CallSource,
    number
  >;

/** Samples the observer every `intervalMs`, from now until `close()`. */
export function createOpsSampler(observer: Observer, options: OpsSamplerOptions = {}): OpsSampler {
  const intervalMs = options.intervalMs ?? 1000;
  const capacity = options.capacity ?? 300;
  const maxValues = options.maxValues ?? 10_000;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const hub = createEventHub({ ...options.streams, capacity });
  const kept: OpsSample[] = [];

  const fresh = () => ({
    placed: { scheduler: 0, dialer: 0 } as Record<CallSource, number>,
    lags: [] as number[],
    durations: [] as number[],
    ended: Object.fromEntries(TERMINAL_STATUSES.map((s) => [s, 0])) as Record<
      TerminalCallStatus,
      number
    >,
  });
  let current = fresh();
  /** The intervals of the window (their counts), oldest first, and its timed values. */
  const recent: (Pick<ReturnType<typeof fresh>, 'placed' | 'ended'> & {
    t: number;
    seconds: number;
  })[] = [];
  const recentLags = recentValues(windowMs, maxValues);
  const recentDurations = recentValues(windowMs, maxValues);
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
    recentLags.add(at, seen.lags);
    recentDurations.add(at, seen.durations);
    recent.push({ t: at, seconds, placed: seen.placed, ended: seen.ended });
    while (recent[0]!.t <= at - windowMs) recent.shift();
    const spanS = recent.reduce((sum, r) => sum + r.seconds, 0);
    const next: OpsSample = {
      t: at,
      placed_per_s: bySource((source) => round(seen.placed[source] / seconds)!),
      dispatch_lag_ms: percentiles(seen.lags),
      provider_ms: percentiles(seen.durations),
      ended: seen.ended,
      in_flight: { ...inFlight },
      window: {
        span_s: round(spanS)!,
        placed_per_s: bySource((source) =>
          round(recent.reduce((n, r) => n + r.placed[source], 0) / spanS)!,
        ),
        dispatch_lag_ms: recentLags.percentilesAt(at),
        provider_ms: recentDurations.percentilesAt(at),
        ended: Object.fromEntries(
          TERMINAL_STATUSES.map((s) => [s, recent.reduce((n, r) => n + r.ended[s], 0)]),
        ) as Record<TerminalCallStatus, number>,
      },
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
