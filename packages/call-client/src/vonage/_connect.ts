// Connecting an answered Vonage call to an agent, and ending it with a message: each a transfer
// of the call to an NCCO of its own (`PUT /v1/calls/{uuid}` with `action: 'transfer'`), its keys
// as the official `@vonage/voice` package's `transferCallWithNCCO`, `Connect` and `Talk` write them.
import { InvalidOptionsError } from '../errors/errors.js';
import type { CountryCode } from '../phone.js';
import { abandonMessage, connectTarget } from '../providers/_connect.js';
import type { ConnectCallOptions } from '../providers/provider.js';
import {
  SSML_TEXT,
  talkAction,
  VONAGE_MAX_TALK,
  type TalkSettings,
  type VonageTalkAction,
} from './_ncco.js';
import { vonageNumber } from './_params.js';

/** Where a `connect` action rings: a phone number (E.164 without its `+`) or a SIP URI. */
export type VonageConnectEndpoint =
  { type: 'phone'; number: string } | { type: 'sip'; uri: string };

/**
 * An NCCO `connect` action ringing one endpoint for `timeout` seconds, showing `from` (the
 * client's number, without its `+`); the caller is bridged to whoever picks up. Vonage runs the
 * actions of an NCCO in order and ends the call once none is left, so a connect nobody takes
 * ends the call.
 */
export interface VonageConnectAction {
  action: 'connect';
  endpoint: [VonageConnectEndpoint];
  from: string;
  timeout: number;
}

/** The body of `PUT /v1/calls/{uuid}` that gives the call a new NCCO (`TransferCallParameters`). */
export interface VonageTransferBody {
  action: 'transfer';
  destination: { type: 'ncco'; ncco: [VonageConnectAction] | [VonageTalkAction] };
}

/** `ncco` as the body of a transfer to it. */
function transfer(ncco: VonageTransferBody['destination']['ncco']): VonageTransferBody {
  return { action: 'transfer', destination: { type: 'ncco', ncco } };
}

/**
 * The transfers of `connectCall` and `abandonCall`, checked before anything is sent (see
 * `connectTarget`, `abandonMessage`): `from` is the client's number (E.164), `talk` how it speaks.
 */
export function connectTransfers(from: string, defaultCountry: CountryCode, talk: TalkSettings) {
  return {
    /** A transfer to a `connect` of `to` (a number or a `sip:` URI), rung `ringS` seconds. */
    connect(to: string, options: ConnectCallOptions = {}): VonageTransferBody {
      const target = connectTarget(to, options, defaultCountry);
      const endpoint: VonageConnectEndpoint = /^sips?:/i.test(target.to)
        ? { type: 'sip', uri: target.to }
        : { type: 'phone', number: vonageNumber(target.to) };
      return transfer([
        {
          action: 'connect',
          endpoint: [endpoint],
          from: vonageNumber(from),
          timeout: target.ringS,
        },
      ]);
    },

    /**
     * A transfer to a `talk` of `message` alone: Vonage ends the call once it has been spoken.
     * At most `VONAGE_MAX_TALK` characters, and never SSML (a `<speak>` element), so the message
     * is said as the characters it holds.
     */
    abandon(message: string): VonageTransferBody {
      const text = abandonMessage(message, VONAGE_MAX_TALK);
      if (SSML_TEXT.test(text))
        throw new InvalidOptionsError('abandonCall', [
          {
            code: 'custom',
            path: ['message'],
            message: 'Vonage reads text in a <speak> element as SSML; the message takes plain text',
            input: undefined,
          },
        ]);
      return transfer([talkAction(text, talk)]);
    },
  };
}
