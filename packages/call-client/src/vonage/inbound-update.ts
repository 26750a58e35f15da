import type { InboundCallUpdate } from '../inbound/inbound.js';
import type { VonageStatusEvent } from './event.js';

/** A number as Vonage writes it (`447700900000`) in E.164 (`+447700900000`); other text as is. */
export function e164Of(value: string | undefined): string {
  if (value === undefined) return '';
  return /^[1-9]\d{1,14}$/.test(value) ? `+${value}` : value;
}

/**
 * How a call to the app's number ended, read from its caller leg's event
 * ({@link parseVonageEvent}, `direction: 'inbound'`), as an {@link InboundCallUpdate}; `null`
 * for any other event: one of a leg that is not inbound (the calls the app placed, and the legs
 * its forwards' `connect` placed, which are `outbound`), or one that does not tell an end
 * (`started`, `ringing`, `answered`).
 *
 * Vonage sends these to the application's event URL, the same route as the events of the calls
 * the app places (`createVonageWebhookHandler`, whose `onInbound` takes these updates):
 * - `completed` is `no-answer` (`providerStatus: 'completed'`): the app's own NCCO answered the
 *   call, so whether someone talked with the caller is the forward's fact, which
 *   `createVonageAnswerHandler` reports from the forward's leg; a record that already says
 *   `completed` keeps it;
 * - `cancelled` (the caller hung up while it rang) is `canceled`; `busy` and `rejected` are
 *   `busy`; `timeout` and `unanswered` are `no-answer`; `failed` is `failed`.
 *
 * `at` is the event's `end_time` where it has one, else its `timestamp`: when the call ended.
 * `from` and `to` are in E.164 (Vonage writes numbers without their `+`).
 *
 * @example
 * createVonageWebhookHandler({
 *   signatureSecret,
 *   onEvent: async (event) => {
 *     const inbound = inboundUpdateOf(event);
 *     if (inbound) await scheduler.recordInbound(inbound);
 *     else await dialer.handleStatus(event);
 *   },
 * });
 */
export function inboundUpdateOf(event: VonageStatusEvent): InboundCallUpdate | null {
  if (event.direction !== 'inbound') return null;
  const status = INBOUND_ENDS.get(event.providerStatus.trim().toLowerCase());
  if (status === undefined) return null;
  return {
    provider: 'vonage',
    callId: event.callId,
    from: e164Of(event.from),
    to: e164Of(event.to),
    at: event.endTime ?? event.at,
    status,
    providerStatus: event.providerStatus,
    raw: event.raw,
  };
}

/** The status of a caller leg's end, by Vonage's word. */
const INBOUND_ENDS: ReadonlyMap<string, InboundCallUpdate['status']> = new Map([
  ['completed', 'no-answer'],
  ['cancelled', 'canceled'],
  ['busy', 'busy'],
  ['rejected', 'busy'],
  ['timeout', 'no-answer'],
  ['unanswered', 'no-answer'],
  ['failed', 'failed'],
]);
