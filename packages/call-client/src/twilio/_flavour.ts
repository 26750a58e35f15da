// What tells the providers that speak Twilio's API 2010-04-01 apart (Twilio itself, SignalWire's
// Compatibility API): every part of `./twilio` takes one, and `./signalwire` gives its own.
import { z } from 'zod';
import { TWILIO_SIGNING, type SigningDialect } from './signature.js';

/** One provider of Twilio's shape. */
export interface TwilioFlavour {
  /** The provider's name: a client's default `name`, an inbound update's `provider`. */
  provider: string;
  /** Its name in messages. */
  label: string;
  /** The `CallStatus` words it sends. */
  callStatuses: readonly string[];
  /** Its calls' ids (`CallSid`, `sid`, `DialCallSid`), and how a message describes one. */
  callSid: { pattern: RegExp; rule: string };
  /** Its accounts' ids (`AccountSid`). */
  accountSid: { pattern: RegExp; rule: string };
  /** Its recordings' ids (`RecordingSid`). */
  recordingSid: { pattern: RegExp; rule: string };
  /** How it signs. */
  signing: SigningDialect;
  /** The headers that may carry the signature, in lower case, the first present one read. */
  signatureHeaders: readonly string[];
}

/** The `CallStatus` words Twilio sends (API 2010-04-01, `call_enum_status`). */
export const TWILIO_CALL_STATUSES: readonly string[] = Object.freeze([
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
]);

/** Twilio itself. */
export const TWILIO: TwilioFlavour = {
  provider: 'twilio',
  label: 'Twilio',
  callStatuses: TWILIO_CALL_STATUSES,
  callSid: { pattern: /^CA[0-9a-f]{32}$/i, rule: 'CA followed by 32 hex digits' },
  accountSid: { pattern: /^AC[0-9a-f]{32}$/i, rule: 'AC followed by 32 hex digits' },
  recordingSid: { pattern: /^RE[0-9a-f]{32}$/i, rule: 'RE followed by 32 hex digits' },
  signing: TWILIO_SIGNING,
  signatureHeaders: ['x-twilio-signature'],
};

/** A zod string schema of one of the flavour's ids. */
export function idSchema(id: { pattern: RegExp; rule: string }) {
  return z.string().regex(id.pattern, `must be ${id.rule}`);
}
