// SignalWire's Compatibility API as a flavour of `./twilio`: its ids, status words and signing.
import { TWILIO_CALL_STATUSES, type TwilioFlavour } from '../twilio/_flavour.js';
import { SIGNALWIRE_SIGNING } from './_signing.js';

/** A SignalWire id (a project's, a call's, a recording's): a UUID. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The `CallStatus` words SignalWire sends: Twilio's, and `answered` beside `in-progress` (both
 * ringkit's `answered`).
 */
export const SIGNALWIRE_CALL_STATUSES: readonly string[] = Object.freeze([
  ...TWILIO_CALL_STATUSES,
  'answered',
]);

/** SignalWire's Compatibility API ("LaML"). */
export const SIGNALWIRE: TwilioFlavour = {
  provider: 'signalwire',
  label: 'SignalWire',
  callStatuses: SIGNALWIRE_CALL_STATUSES,
  callSid: { pattern: UUID, rule: 'a UUID' },
  accountSid: { pattern: UUID, rule: 'a project id (a UUID)' },
  recordingSid: { pattern: UUID, rule: 'a UUID' },
  signing: SIGNALWIRE_SIGNING,
  signatureHeaders: ['x-signalwire-signature', 'x-twilio-signature'],
};
