// Connecting an answered Twilio call to an agent, and ending it with a message: each one update
// of the call's TwiML (`POST …/Calls/{Sid}.json` with `Twiml`).
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/errors.js';
import { toE164, type CountryCode } from '../phone.js';
import type { ConnectCallOptions } from '../providers/provider.js';
import { TWILIO_MAX_TWIML } from './_params.js';
import { connectTwiml, sayAndHangUpTwiml } from './_twiml.js';

/** A `sip:` URI Twilio's `<Sip>` takes: a user, a host, parameters; no spaces or brackets. */
const SIP_URI = /^sips?:[^\s@<>"]+@[A-Za-z0-9.-]+(:\d{1,5})?(;[^\s<>"]*)?$/i;

const connectSchema = z.strictObject({
  to: z.string().min(1),
  // `<Dial timeout>` takes 5 to 600 seconds.
  ringS: z.number().int().min(5).max(600).default(20),
});
const messageSchema = z.string().trim().min(1, 'must not be empty');

/** `twiml`, or the error of a document Twilio would refuse as too long. */
function fits(twiml: string, what: string, path: string): string {
  if (twiml.length <= TWILIO_MAX_TWIML) return twiml;
  throw new InvalidOptionsError(what, [
    {
      code: 'custom',
      path: [path],
      message: `makes TwiML of ${twiml.length} characters once XML-escaped; Twilio takes at most ${TWILIO_MAX_TWIML}`,
      input: undefined,
    },
  ]);
}

/**
 * The TwiML documents of `connectCall` and `abandonCall`, checked before anything is sent:
 * `to` a number (read as E.164 with `defaultCountry`) or a `sip:` URI, `ringS` 5–600, each
 * document at most `TWILIO_MAX_TWIML` characters.
 */
export function connectDocuments(from: string, defaultCountry: CountryCode) {
  return {
    connect(to: string, options: ConnectCallOptions = {}): string {
      const parsed = connectSchema.safeParse({ to, ringS: options.ringS });
      if (!parsed.success) throw new InvalidOptionsError('connectCall', parsed.error.issues);
      const target = /^sips?:/i.test(parsed.data.to)
        ? sipOf(parsed.data.to)
        : toE164(parsed.data.to, { defaultCountry });
      return fits(connectTwiml(target, parsed.data.ringS, from), 'connectCall', 'to');
    },
    abandon(message: string): string {
      const parsed = messageSchema.safeParse(message);
      if (!parsed.success) throw new InvalidOptionsError('abandonCall', parsed.error.issues);
      return fits(sayAndHangUpTwiml(parsed.data), 'abandonCall', 'message');
    },
  };
}

function sipOf(uri: string): string {
  if (SIP_URI.test(uri)) return uri;
  throw new InvalidOptionsError('connectCall', [
    { code: 'custom', path: ['to'], message: 'not a SIP URI (sip:user@host)', input: uri },
  ]);
}
