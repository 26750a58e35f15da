import { z } from 'zod';
import {
  type Clock,
  clockSchema,
  DEFAULT_WATCH_INTERVAL_MS,
  strictObject,
  systemClock,
} from '@ringkit/internal';
import { InvalidOptionsError, isHttpError, UnsupportedOperationError } from '../errors/errors.js';
import { DEFAULT_MAX_CONCURRENT_POLLS, pollerFor } from './_poller.js';
import type { CallProvider, CallStatusEvent } from '../providers/provider.js';
import { canAdvance, isTerminal, type CallStatus } from '../status.js';

/**
 * The poll in a row that saw no change from which the interval grows by `idleBackoffFactor`
 * (see {@link WatchCallOptions.maxIdleIntervalMs}): the first two unchanged polls keep
 * `intervalMs`, so a call that moves every few seconds is polled at the base rate.
 */
const IDLE_POLLS_BEFORE_BACKOFF = 3;

/** `maxIdleIntervalMs` of `watchCall` unless told otherwise, in multiples of `intervalMs`. */
const DEFAULT_IDLE_INTERVAL_MULTIPLE = 5;

/** How {@link watchCall} polls, and when it stops. */
export interface WatchCallOptions {
  /**
   * Milliseconds between two polls while all is well, and after every change of status.
   * @default 1000
   */
  intervalMs?: number;
  /**
   * The longest wait between two polls of a call whose status stays the same. From the
   * third poll in a row that saw no change, each one multiplies the
   * interval by `idleBackoffFactor`, up to this; the next change of status brings it back to
   * `intervalMs`. A call that moves every few seconds is polled every `intervalMs`; one that
   * talks for minutes is polled every `maxIdleIntervalMs`, and its end is seen up to that late.
   * Set it to `intervalMs` to poll at a fixed rate. Must be at least `intervalMs`.
   * @default 5 × intervalMs
   * @example maxIdleIntervalMs: 1000 // with the default intervalMs: always every second
   */
  maxIdleIntervalMs?: number;
  /**
   * What each poll that saw no change multiplies the interval by, from the
   * third in a row on (`1`: a fixed rate).
   * @default 2
   */
  idleBackoffFactor?: number;
  /**
   * The most status requests in flight at once from the poller this watch shares with every
   * other watch on the same `clock` and the same value of this option. Polls that fall due
   * together wait for a free slot, in due order, instead of all leaving in the same instant.
   * It also caps the rate: with answers taking 100 ms, 64 slots allow 640 polls a second, enough
   * for 2,000 calls polled every 1 to 5 s; raise it for a slow provider that allows more.
   * @default 64
   */
  maxConcurrentPolls?: number;
  /**
   * The longest wait between polls after errors (the interval doubles per consecutive error).
   * @default 30000
   */
  maxIntervalMs?: number;
  /**
   * Consecutive failed polls tolerated before the watch gives up and throws the last error.
   * @default 10
   */
  maxConsecutiveErrors?: number;
  /** The status already known; only later statuses are reported. */
  since?: CallStatus;
  /**
   * Milliseconds before the first poll. `0` polls at once; a caller that has just read the
   * status (from the answer to the placement, say, passed as `since`) saves a request with
   * `intervalMs` here.
   * @default 0
   * @example watchCall(provider, call.id, { since: call.status, firstPollDelayMs: 1000 })
   */
  firstPollDelayMs?: number;
  /** Ends the watch quietly. */
  signal?: AbortSignal;
  /** @default systemClock */
  clock?: Clock;
}

const optionsSchema = strictObject({
  since: z.string().optional(),
  signal: z
    .custom<AbortSignal>((v) => typeof v === 'object' && v !== null && 'aborted' in v)
    .optional(),
  clock: clockSchema.optional(),
  intervalMs: z.number().positive().optional(),
  firstPollDelayMs: z.number().min(0).optional(),
  maxIntervalMs: z.number().positive().optional(),
  maxConsecutiveErrors: z.number().int().min(0).optional(),
  maxIdleIntervalMs: z.number().positive().optional(),
  idleBackoffFactor: z.number().min(1).max(1000).optional(),
  maxConcurrentPolls: z.number().int().min(1).max(100_000).optional(),
}).refine(
  (o) =>
    o.maxIdleIntervalMs === undefined ||
    o.maxIdleIntervalMs >= (o.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS),
  { path: ['maxIdleIntervalMs'], message: 'must be at least intervalMs' },
);

/**
 * Follows a call by polling `provider.getCall(id)`: yields an event each time the call moves
 * forward, and ends after a terminal status or when `signal` aborts. Statuses never go back, and a
 * repeated status is not reported twice. On errors it backs off; a `4xx` answer (other than `429`)
 * ends the watch with that error, as does a run of `maxConsecutiveErrors` failures.
 *
 * The first poll leaves at once (or after `firstPollDelayMs`), the next `intervalMs` after each
 * answer; a status that stays the
 * same is polled less and less often, up to `maxIdleIntervalMs`, and a change brings the interval
 * back to `intervalMs`. After an error the wait is `intervalMs × 2^errors` (up to `maxIntervalMs`,
 * with jitter) instead.
 *
 * Watches do not each hold a timer: every watch on one `clock` (with one `maxConcurrentPolls`)
 * waits in one shared poller, a min-heap of next-poll times with a single clock timer armed for
 * the earliest, which also bounds how many polls are in flight at once. Following thousands of
 * calls costs one timer.
 *
 * @example
 * for await (const event of watchCall(provider, call.id)) console.log(event.status);
 */
export async function* watchCall(
  provider: CallProvider,
  id: string,
  options: WatchCallOptions = {},
): AsyncGenerator<CallStatusEvent, void, undefined> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError('watchCall', parsed.error.issues);
  const getCall = provider.getCall?.bind(provider);
  if (!getCall) {
    throw new UnsupportedOperationError(
      `${provider.name} has no status endpoint; follow its calls through webhooks`,
      'unsupported',
      { provider: provider.name, operation: 'getCall' },
    );
  }
  const {
    intervalMs = DEFAULT_WATCH_INTERVAL_MS,
    maxIntervalMs = 30_000,
    maxConsecutiveErrors = 10,
    maxIdleIntervalMs = intervalMs * DEFAULT_IDLE_INTERVAL_MULTIPLE,
    idleBackoffFactor = 2,
    maxConcurrentPolls = DEFAULT_MAX_CONCURRENT_POLLS,
    signal,
    clock = systemClock,
  } = options;
  const poller = pollerFor(clock, maxConcurrentPolls);
  const request = signal ? { signal } : {};
  let current = options.since;
  let failures = 0;
  /** Polls in a row that answered without a change. */
  let unchanged = 0;
  /** The wait after a poll that succeeded. */
  let idle = intervalMs;
  let delay = options.firstPollDelayMs ?? 0;

  while (!signal?.aborted) {
    const release = await poller.turn(delay, signal);
    if (release === null) return;
    let call;
    try {
      call = await getCall(id, request);
    } catch (error) {
      release();
      if (signal?.aborted) return;
      if (isHttpError(error) && error.status >= 400 && error.status < 500 && error.status !== 429) {
        throw error;
      }
      failures += 1;
      if (failures > maxConsecutiveErrors) throw error;
      const backoff = Math.min(maxIntervalMs, intervalMs * 2 ** failures);
      delay = backoff / 2 + Math.random() * (backoff / 2);
      continue;
    }
    release();
    failures = 0;
    if (current === undefined || canAdvance(current, call.status)) {
      current = call.status;
      unchanged = 0;
      idle = intervalMs;
      delay = idle;
      const event: CallStatusEvent = {
        callId: call.id,
        status: call.status,
        providerStatus: call.providerStatus,
        at: new Date(clock.now()),
        raw: call.raw,
      };
      if (call.answeredBy !== undefined) event.answeredBy = call.answeredBy;
      yield event;
      if (isTerminal(call.status)) return;
    } else {
      unchanged += 1;
      if (unchanged >= IDLE_POLLS_BEFORE_BACKOFF) {
        idle = Math.min(maxIdleIntervalMs, idle * idleBackoffFactor);
      }
      delay = idle;
    }
  }
}
