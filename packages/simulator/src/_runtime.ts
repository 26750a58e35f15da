import type { ResolvedKnobs } from './_options.js';
import { createRandom, type Random } from './_random.js';
import type { RingAppOptions, SimulatedCall, SimulatedOutcome, SimulatorEvent } from './types.js';

/** The largest request body a simulator reads; a larger one is answered 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** An engine's answer: a status, headers and a JSON body. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body,
});

/** A path segment decoded, or as it is when it is not valid percent-encoding. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** What every flavour's engine shares: the knobs, the draws, the clock, timers, events, closing. */
export interface EngineRuntime {
  readonly knobs: ResolvedKnobs;
  readonly random: Random;
  readonly now: () => number;
  /** Aborts when the engine closes: in-flight webhook deliveries stop. */
  readonly signal: AbortSignal;
  isClosed(): boolean;
  /** Reports an event to `onEvent` (never after closing); a throwing listener cannot break the engine. */
  emit(event: DistributiveOmit<SimulatorEvent, 'at' | 'flavour'>): void;
  /** Runs `fn` after `ms`, unless the engine closes first. */
  schedule(fn: () => void, ms: number): void;
  /** Waits `ms`, or less if the engine closes first. */
  wait(ms: number): Promise<void>;
  /** Clears every timer, ends every wait and aborts `signal`. */
  close(): void;
}

export function createEngineRuntime(knobs: ResolvedKnobs, now: () => number): EngineRuntime {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const waiters = new Set<() => void>();
  const aborter = new AbortController();
  let closed = false;

  function schedule(fn: () => void, ms: number): void {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref?.();
    timers.add(timer);
  }

  return {
    knobs,
    random: createRandom(knobs.seed),
    now,
    signal: aborter.signal,
    isClosed: () => closed,
    emit(event) {
      if (closed || !knobs.onEvent) return;
      try {
        knobs.onEvent({ ...event, at: new Date(now()), flavour: knobs.flavour } as SimulatorEvent);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    },
    schedule,
    wait(ms) {
      if (ms <= 0 || closed) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          waiters.delete(done);
          resolve();
        };
        waiters.add(done);
        schedule(done, ms);
      });
    },
    close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const done of [...waiters]) done();
      aborter.abort(new Error('the simulator closed'));
    },
  };
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Draws how a new call ends and its three step gaps (to ringing, ringing to the answer or the end,
 * answered to completed), `ringMs` and `talkMs` replacing the last two after they are drawn, so
 * every call consumes the same number of draws. With `answers` (the polling and webhook flavours'
 * `humanRate`, `machineRate`), the end is drawn from them, who answered included.
 */
export function drawCallPlan(runtime: EngineRuntime): {
  outcome: SimulatedOutcome;
  gaps: [number, number, number];
  answeredBy: 'human' | 'machine' | undefined;
} {
  const { knobs, random } = runtime;
  let outcome: SimulatedOutcome;
  let answeredBy: 'human' | 'machine' | undefined;
  if (knobs.answers === undefined) outcome = random.pick(knobs.outcomes);
  else {
    const end = random.pick(knobs.answers);
    answeredBy = end === 'human' || end === 'machine' ? end : undefined;
    outcome = answeredBy === undefined ? (end as SimulatedOutcome) : 'completed';
  }
  const [min, max] = knobs.stepMs;
  const toRinging = random.between(min, max);
  const ringing = random.between(min, max);
  const talking = random.between(min, max);
  return {
    outcome,
    gaps: [toRinging, knobs.ringMs ?? ringing, knobs.talkMs ?? talking],
    answeredBy,
  };
}

/** A request as the engine sees it, whichever transport (node:http or MSW) carried it. */
export interface EngineRequest {
  method: string;
  /** The path below the simulator's base URL, without the query. */
  path: string;
  contentType: string | undefined;
  /** The body, possibly cut short once it was known to be too large. */
  body: Uint8Array;
  /** The full size of the body in bytes. */
  bodySize: number;
  /** The query string without its `?` (`''` or left out: none). */
  query?: string;
  /** The request's headers, names in lower case (left out: none). */
  headers?: Readonly<Record<string, string>>;
}

/** An answer for the transport to send. */
export interface EngineResponse {
  status: number;
  headers: Record<string, string>;
  /**
   * The JSON body; `undefined` for none (a `204`); bytes are sent as they are, with the
   * `content-type` in `headers` (a recording's audio).
   */
  body: unknown;
}

export interface SimulatorEngine {
  handle(request: EngineRequest): Promise<EngineResponse>;
  calls(): SimulatedCall[];
  /** Clears every timer and aborts in-flight webhook deliveries; later requests get 503. */
  close(): void;
  /** Telnyx flavour: the base64 Ed25519 public key its webhooks are verified with. */
  publicKey?: string;
  /** Twilio and Telnyx flavours: rings an app with an inbound call; returns the call's id. */
  ringApp?(options: RingAppOptions): string;
}
