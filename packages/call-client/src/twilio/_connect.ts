// Connecting an answered Twilio call to an agent, and ending it with a message: each one update
// of the call's TwiML (`POST …/Calls/{Sid}.json` with `Twiml`).
import type { CountryCode } from '../phone.js';
import { abandonMessage, connectTarget } from '../providers/_connect.js';
import type { ConnectCallOptions } from '../providers/provider.js';
import { TWILIO_MAX_TWIML } from './_params.js';
import { connectTwiml, sayAndHangUpTwiml } from './_twiml.js';

/**
 * The TwiML documents of `connectCall` and `abandonCall`, checked before anything is sent (see
 * `connectTarget`, `abandonMessage`); each at most `TWILIO_MAX_TWIML` characters.
 */
export function connectDocuments(from: string, defaultCountry: CountryCode) {
  return {
    connect(to: string, options: ConnectCallOptions = {}): string {
      const target = connectTarget(to, options, defaultCountry);
      // A number or URI that passed is far shorter than TwiML's limit.
      return connectTwiml(target.to, target.ringS, from);
    },
    abandon(message: string): string {
      const text = abandonMessage(message, TWILIO_MAX_TWIML, (m) => sayAndHangUpTwiml(m).length);
      return sayAndHangUpTwiml(text);
    },
  };
}
