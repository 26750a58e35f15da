import type { InboundCallUpdate } from '../inbound/inbound.js';
import { TWILIO } from './_flavour.js';
import type { TwilioStatusCallback } from './status-callback.js';

/**
 * How a call to the account's number ended, read from its status callback, as an
 * {@link InboundCallUpdate}; `null` for any other callback: one of a call that is not inbound
 * (`direction` other than `inbound`: the calls the app placed, and the forwards its `<Dial>`
 * placed, which are `outbound-dial`), or one that does not tell an end (`ringing`, `in-progress`).
 *
 * Twilio sends these to the number's "Call status changes" URL, the same route as the status
 * callbacks of the calls the app places (`createTwilioWebhookHandler`): an app hands the
 * callbacks whose `direction` is `inbound` here, and the others to its dialer or scheduler.
 *
 * - `completed` is `no-answer` (`providerStatus: 'completed'`): the app's own TwiML answered the
 *   call, so whether someone talked with the caller is the `<Dial>`'s fact, which
 *   `createTwilioVoiceHandler` reports; a record that already says `completed` keeps it.
 * - `canceled` (the caller hung up while it rang), `busy` (rejected), `no-answer` and `failed`
 *   are that status.
 *
 * `at` is the callback's (its `Timestamp`): when the call ended.
 *
 * @example
 * createTwilioWebhookHandler({
 *   authToken,
 *   onEvent: async (event) => {
 *     const inbound = inboundUpdateOf(event);
 *     if (inbound) await recordInbound(inbound);
 *     else await dialer.handleStatus(event);
 *   },
 * });
 */
export function inboundUpdateOf(event: TwilioStatusCallback): InboundCallUpdate | null {
  return inboundUpdateFrom(TWILIO.provider, event);
}

/** {@link inboundUpdateOf} of a provider of Twilio's shape: `provider` names the update's. */
export function inboundUpdateFrom(
  provider: string,
  event: TwilioStatusCallback,
): InboundCallUpdate | null {
  if (event.direction !== 'inbound') return null;
  let status: InboundCallUpdate['status'];
  switch (event.status) {
    case 'completed':
      status = 'no-answer';
      break;
    case 'canceled':
    case 'busy':
    case 'no-answer':
    case 'failed':
      status = event.status;
      break;
    default:
      return null;
  }
  return {
    provider,
    callId: event.callId,
    from: event.from ?? '',
    to: event.to ?? '',
    at: event.at,
    status,
    providerStatus: event.providerStatus,
    raw: event.raw,
  };
}
