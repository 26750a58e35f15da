import { z } from 'zod';
import { InvalidOptionsError } from '../errors/errors.js';
import type { ExpressTwilioOptions } from '../twilio/_express.js';
import { idSchema } from '../twilio/_flavour.js';
import {
  createFlavouredVoiceHandler,
  voiceHandlerOptionsSchema,
  type TwilioVoiceHandler,
  type TwilioVoiceHandlerOptions,
} from '../twilio/voice.js';
import { createFlavouredExpressVoiceHandler } from '../twilio/voice-express.js';
import { SIGNALWIRE } from './_flavour.js';

/** Options of {@link createSignalWireVoiceHandler}. */
export interface SignalWireVoiceHandlerOptions extends Omit<
  TwilioVoiceHandlerOptions,
  'authToken' | 'accountSid'
> {
  /**
   * The project's signing key: the key of the requests' signatures.
   * @example process.env.SIGNALWIRE_SIGNING_KEY!
   */
  signingKey: string;
  /**
   * The project the requests must come from (their `AccountSid`): a validly signed request of
   * another project is answered `403` and changes nothing.
   * @default any project (the signature alone decides)
   */
  projectId?: string;
}

/** Options of {@link createExpressSignalWireVoiceHandler}. */
export interface ExpressSignalWireVoiceHandlerOptions
  extends SignalWireVoiceHandlerOptions, ExpressTwilioOptions {}

const optionsSchema = voiceHandlerOptionsSchema.extend({
  signingKey: z.string().min(1),
  projectId: idSchema(SIGNALWIRE.accountSid).optional(),
});

/**
 * Answers calls to the project's number: `createTwilioVoiceHandler` in SignalWire's flavour.
 * SignalWire's voice webhook (the number's "When a call comes in" LaML URL) and the action
 * callbacks of the `<Dial>` and `<Record>` it answers with come back to `actionUrl` with
 * `step=dial` or `step=voicemail`. A request without a valid signature under `signingKey` (see
 * {@link verifySignalWireSignature}) gets `403` and nothing is handed to `onUpdate`; parameters
 * that do not read as the step's get `400`. A valid request's updates (provider
 * `'signalwire'`) go to `onUpdate`, then its LaML is answered (`200`): the call rings, then is
 * answered by `policy` (a voicemail, a forward, or a refusal), and the forward's and the
 * voicemail's ends are reported as `createTwilioVoiceHandler` reports them. How the call ended
 * arrives as a status callback: see `inboundUpdateOf`. Never throws once created; creating it
 * throws an `InvalidOptionsError` for bad options.
 *
 * @example
 * const handle = createSignalWireVoiceHandler({
 *   signingKey,
 *   policy: { action: 'voicemail', message: 'We are closed. Please leave a message.' },
 *   actionUrl: 'https://app.example/webhooks/signalwire/voice',
 *   onUpdate: (update) => console.log(update.callId, update.status),
 * });
 * const answer = await handle({ url, params, signature: headers['x-signalwire-signature'] });
 */
export function createSignalWireVoiceHandler(
  options: SignalWireVoiceHandlerOptions,
): TwilioVoiceHandler {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidOptionsError('createSignalWireVoiceHandler', parsed.error.issues);
  const { signingKey, projectId, ...rest } = options;
  return createFlavouredVoiceHandler(SIGNALWIRE, 'createSignalWireVoiceHandler', {
    ...rest,
    policy: parsed.data.policy,
    key: signingKey,
    account: projectId,
  });
}

/**
 * {@link createSignalWireVoiceHandler} as an Express route handler, as
 * `createExpressTwilioVoiceHandler` is Twilio's: mount it where the number's voice webhook
 * points (HTTP POST) and give that URL as `actionUrl`. The signature is read from
 * `X-SignalWire-Signature`, else from `X-Twilio-Signature`. It answers `200` with LaML
 * (`text/xml`), `400`, `403`, `413`, `415` or `500` as Twilio's does.
 *
 * @example
 * app.post(
 *   '/webhooks/signalwire/voice',
 *   createExpressSignalWireVoiceHandler({
 *     signingKey: process.env.SIGNALWIRE_SIGNING_KEY!,
 *     publicUrl: 'https://app.example',
 *     actionUrl: 'https://app.example/webhooks/signalwire/voice',
 *     policy: { action: 'forward', to: '+14155550123', ringS: 20, message: 'Please leave a message.' },
 *     onUpdate: (update) => console.log(update.callId, update.status),
 *   }),
 * );
 */
export function createExpressSignalWireVoiceHandler(options: ExpressSignalWireVoiceHandlerOptions) {
  const { publicUrl, trustProxy, limitBytes, ...handlerOptions } = options;
  return createFlavouredExpressVoiceHandler(
    SIGNALWIRE,
    'createExpressSignalWireVoiceHandler',
    { publicUrl, trustProxy, limitBytes },
    () => createSignalWireVoiceHandler(handlerOptions),
  );
}
