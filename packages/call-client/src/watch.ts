import { z } from 'zod';
import { DEFAULT_WATCH_INTERVAL_MS, isClock, sleep, systemClock, type Clock } from './clock.js';
import { InvalidOptionsError, isHttpError, UnsupportedOperationError } from './errors.js';
import type { CallProvider, CallStatusEvent } from './provider.js';
import { canAdvance, isTerminal, type CallStatus } from './status.js';

export interface WatchCallOptions {
  /**
   * Milliseconds between two polls while all is well.
   * @default 1000
   */
  intervalMs?: number;
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
  /** Ends the watch quietly. */
  signal?: AbortSignal;
  /** @default systemClock */
  clock?: Clock;
}

const optionsSchema = z.strictObject({
  since: z.string().optional(),
  signal: z
    .custom<AbortSignal>((v) => typeof v === 'object' && v !== null && 'aborted' in v)
    .optional(),
  clock: z.custom<Clock>(isClock, 'expected a Clock (now, setTimeout, clearTimeout)').optional(),
  intervalMs: z.number().positive().optional(),
  maxIntervalMs: z.number().positive().optional(),
  maxConsecutiveErrors: z.number().int().min(0).optional(),
});

/**
 * Follows a call by polling `provider.getCall(id)`: yields an event each time the call moves
 * forward, and ends after a terminal status or when `signal` aborts. Statuses never go back, and a
 * repeated status is not reported twice. On errors it backs off; a `4xx` answer (other than `429`)
 * ends the watch with that error, as does a run of `maxConsecutiveErrors` failures.
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
    );
  }
  const {
    intervalMs = DEFAULT_WATCH_INTERVAL_MS,
    maxIntervalMs = 30_000,
    maxConsecutiveErrors = 10,
    signal,
    clock = systemClock,
  } = options;
  let current = options.since;
  let failures = 0;
  let delay = 0;

  while (!signal?.aborted) {
    if (delay > 0) {
      try {
        await sleep(delay, { clock, signal: signal as AbortSignal });
      } catch {
        return;
      }
    }
    let call;
    try {
      call = await getCall(id, signal ? { signal } : {});
    } catch (error) {
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
    failures = 0;
    delay = intervalMs;
    if (current === undefined || canAdvance(current, call.status)) {
      current = call.status;
      yield {
        callId: call.id,
        status: call.status,
        providerStatus: call.providerStatus,
        at: new Date(clock.now()),
      };
      if (isTerminal(call.status)) return;
    }
  }
}
