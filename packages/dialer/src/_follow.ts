import {
  isCallStatus,
  isTerminal,
  watchCall,
  type CallProvider,
  type CallStatus,
  type Clock,
} from '@ringkit/call-client';
import { invoke, messageOf, TIMEOUT_CHECK_LIMIT_MS, type Entry } from './_entry.js';
import type { DialAttemptFailure } from './errors.js';
import type { DialerErrorSource } from './types.js';

/** What following an attempt needs from the dialer. */
export interface AttemptHost {
  provider: CallProvider;
  clock: Clock;
  callTimeoutMs: number;
  watchIntervalMs: number;
  /** Moves the entry forward; ends its attempt on a terminal status. */
  advance(entry: Entry, status: CallStatus, providerStatus: string | null): boolean;
  /** Ends the entry's attempt `failed` with a `DialAttemptError`. */
  fail(entry: Entry, reason: DialAttemptFailure, message: string, cause?: unknown): void;
  report(error: unknown, source: DialerErrorSource, index: number): void;
}

/**
 * Runs when an attempt's `callTimeoutMs` passed: one `getCall` check where the provider has it
 * and the id is known (a terminal answer is taken, within {@link TIMEOUT_CHECK_LIMIT_MS}), else
 * the attempt fails with reason `timeout`.
 */
export function onAttemptTimeout(host: AttemptHost, entry: Entry, attempt: number): void {
  const { provider, clock, callTimeoutMs } = host;
  if (!entry.isActive(attempt)) return;
  const { callId, controller } = entry;
  const getCall = provider.getCall?.bind(provider);
  if (callId === null) {
    // The request left long ago and never got an answer: it may have rung, it is not retried.
    host.fail(entry, 'outcome_unknown', `The POST got no answer within ${callTimeoutMs} ms`);
    return;
  }
  if (getCall === undefined || controller === undefined) {
    host.fail(entry, 'timeout', `The call reached no end within ${callTimeoutMs} ms`);
    return;
  }
  entry.watched = true;
  const timedOut = (cause?: unknown) =>
    host.fail(entry, 'timeout', `The call reached no end within ${callTimeoutMs} ms`, cause);
  const limit = Math.min(callTimeoutMs, TIMEOUT_CHECK_LIMIT_MS);
  entry.timer = clock.setTimeout(() => entry.isActive(attempt) && timedOut(), limit);
  invoke(() => getCall(callId, { signal: controller.signal })).then(
    (call) => {
      if (!entry.isActive(attempt)) return;
      const status: unknown = call?.status;
      if (isCallStatus(status) && isTerminal(status)) {
        const word = typeof call.providerStatus === 'string' ? call.providerStatus : null;
        entry.noteAnsweredBy(call.answeredBy);
        host.advance(entry, status, word);
      } else timedOut();
    },
    (error: unknown) => {
      if (!entry.isActive(attempt)) return;
      host.report(error, 'timeout_check', entry.index);
      timedOut(error);
    },
  );
}

/**
 * Follows an attempt of a polling provider with `watchCall` until it ends; a watch that fails for
 * good ends the attempt with reason `watch_failed`. The first poll leaves `watchIntervalMs` after
 * the placement's answer, which was the call's status then. Every attempt's watch waits in call-client's
 * poller shared by the dialer's clock (one timer whatever the concurrency, a bound on status
 * requests in flight); a call that stays in one status is polled less often, up to five times
 * `watchIntervalMs`, so its end (and the free slot) may be seen up to that late.
 */
export async function followByPolling(
  host: AttemptHost,
  entry: Entry,
  attempt: number,
  id: string,
): Promise<void> {
  const { provider, clock, watchIntervalMs: intervalMs } = host;
  const signal = entry.controller?.signal;
  const since = entry.status as CallStatus;
  entry.watched = true;
  try {
    // The answer to the placement was the call's status a moment ago: the first poll waits.
    const options = { intervalMs, firstPollDelayMs: intervalMs, since, signal, clock };
    for await (const event of watchCall(provider, id, options)) {
      if (!entry.isActive(attempt)) return;
      entry.noteAnsweredBy(event.answeredBy);
      host.advance(entry, event.status, event.providerStatus);
    }
  } catch (error) {
    if (!entry.isActive(attempt)) return;
    host.report(error, 'watch', entry.index);
    host.fail(entry, 'watch_failed', `Following call ${id} failed: ${messageOf(error)}`, error);
  }
}
