import type { InboundCallUpdate } from '../inbound/inbound.js';
import type { TwilioCallbackParams } from '../twilio/_form.js';
import { inboundUpdateFrom } from '../twilio/inbound-update.js';
import {
  createStatusCallbackParser,
  type ParseTwilioStatusCallbackOptions,
  type TwilioStatusCallback,
} from '../twilio/status-callback.js';
import { SIGNALWIRE } from './_flavour.js';

export { SIGNALWIRE_CALL_STATUSES } from './_flavour.js';

/**
 * A SignalWire status callback as ringkit reads it: a `CallStatusEvent` and the fields of
 * Twilio's shape (`accountSid` is the project id).
 */
export type SignalWireStatusCallback = TwilioStatusCallback;

const parse = createStatusCallbackParser(SIGNALWIRE);

/**
 * Reads the parameters of a SignalWire status callback (the form SignalWire POSTs to
 * `StatusCallback`), as `parseTwilioStatusCallback` reads Twilio's: `CallSid` (a UUID) is the
 * `callId`, `AccountSid` (the project id, a UUID) the `accountSid`, `CallStatus` mapped onto
 * ringkit's statuses (`answered` and `in-progress` are both `answered`, `queued` is
 * `initiated`), `SequenceNumber`, `CallDuration`, `Direction`, `AnsweredBy`, `Timestamp` and
 * `raw` as there. Check the signature first ({@link verifySignalWireSignature}). Anything
 * malformed is a `WebhookValidationError` saying which field: not a form (`not_object`), a
 * `CallSid` that is not a UUID (`missing_id`), no `CallStatus` (`missing_status`), a word
 * SignalWire does not send (`unknown_status`/`unexpected_status`), a repeated field or a bad
 * `AccountSid`, `SequenceNumber`, `CallDuration`, `Direction` or `AnsweredBy`
 * (`invalid_field`).
 *
 * @example
 * const event = parseSignalWireStatusCallback(req.body); // { callId, status: 'answered', … }
 */
export function parseSignalWireStatusCallback(
  input: TwilioCallbackParams,
  options: ParseTwilioStatusCallbackOptions = {},
): SignalWireStatusCallback {
  return parse(input, options);
}

/**
 * How a call to the project's number ended, read from its status callback, as an
 * `InboundCallUpdate` of provider `'signalwire'`; `null` for any other callback. The rules are
 * `./twilio`'s `inboundUpdateOf`: a callback whose `direction` is not `inbound`, or that does not
 * tell an end, is `null`; `completed` is `no-answer` (whether someone talked with the caller is
 * the forward's fact, which `createSignalWireVoiceHandler` reports).
 *
 * @example
 * createSignalWireWebhookHandler({
 *   signingKey,
 *   onEvent: async (event) => {
 *     const inbound = inboundUpdateOf(event);
 *     if (inbound) await recordInbound(inbound);
 *     else await dialer.handleStatus(event);
 *   },
 * });
 */
export function inboundUpdateOf(event: SignalWireStatusCallback): InboundCallUpdate | null {
  return inboundUpdateFrom(SIGNALWIRE.provider, event);
}
