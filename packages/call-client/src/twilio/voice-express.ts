import {
  createTwilioRequestReader,
  FORM,
  formParams,
  send,
  type ExpressTwilioOptions,
  type TwilioWebhookHttpRequest,
  type TwilioWebhookHttpResponse,
} from './_express.js';
import { TWILIO, type TwilioFlavour } from './_flavour.js';
import {
  createTwilioVoiceHandler,
  type TwilioVoiceHandler,
  type TwilioVoiceHandlerOptions,
} from './voice.js';

/** Options of {@link createExpressTwilioVoiceHandler}. */
export interface ExpressTwilioVoiceHandlerOptions
  extends TwilioVoiceHandlerOptions, ExpressTwilioOptions {}

/** The parts of an Express response the voice handler writes: TwiML besides JSON errors. */
export interface TwilioVoiceHttpResponse extends TwilioWebhookHttpResponse {
  status(code: number): TwilioVoiceHttpResponse;
  /** Sets `Content-Type: text/xml` on TwiML (and `Connection: close` on a `413`). */
  setHeader(name: string, value: string): unknown;
  /** Sends the TwiML. */
  end(body?: string): unknown;
}

/**
 * {@link createTwilioVoiceHandler} as an Express route handler for calls to the account's number:
 * mount it where the number's "A call comes in" webhook points (HTTP POST), and give that URL as
 * `actionUrl`. It reads the form (or takes what `express.urlencoded()` parsed, or the raw body
 * from `express.text()`/`express.raw()`), rebuilds the URL Twilio signed from `publicUrl` (or a
 * trusted proxy's headers) and the request's path and query, as
 * `createExpressTwilioWebhookHandler` does, and answers `200` with TwiML (`text/xml`), `400`
 * (bad parameters), `403` (no or bad signature, or another account's: `onUpdate` is not
 * called), `413` (over `limitBytes`), `415` (not a form) or `500` (`onUpdate` failed). Errors
 * reading the request go to `next`.
 *
 * @example
 * app.post(
 *   '/webhooks/twilio/voice',
 *   createExpressTwilioVoiceHandler({
 *     authToken: process.env.TWILIO_AUTH_TOKEN!,
 *     publicUrl: 'https://app.example',
 *     actionUrl: 'https://app.example/webhooks/twilio/voice',
 *     policy: { action: 'voicemail', message: 'Please leave a message after the beep.' },
 *     onUpdate: (update) => console.log(update.callId, update.status),
 *   }),
 * );
 */
export function createExpressTwilioVoiceHandler(options: ExpressTwilioVoiceHandlerOptions) {
  const { publicUrl, trustProxy, limitBytes, ...handlerOptions } = options;
  return createFlavouredExpressVoiceHandler(
    TWILIO,
    'createExpressTwilioVoiceHandler',
    { publicUrl, trustProxy, limitBytes },
    () => createTwilioVoiceHandler(handlerOptions),
  );
}

/**
 * {@link createExpressTwilioVoiceHandler} of a flavour: `factory` names it in errors, `handler`
 * makes the framework-agnostic handler it feeds (after the adapter's options are checked).
 */
export function createFlavouredExpressVoiceHandler(
  flavour: TwilioFlavour,
  factory: string,
  adapterOptions: ExpressTwilioOptions,
  handler: () => TwilioVoiceHandler,
) {
  const read = createTwilioRequestReader(factory, adapterOptions, flavour.signatureHeaders);
  const handle = handler();

  return async (
    req: TwilioWebhookHttpRequest,
    res: TwilioVoiceHttpResponse,
    next: (error?: unknown) => void,
  ): Promise<void> => {
    try {
      const received = await read(req, res);
      if (received === undefined) return;
      if (received.type !== FORM) {
        send(res, 415, { error: { code: 'unsupported_media_type', message: `Send ${FORM}` } });
        return;
      }
      const params = formParams(req, received);
      if (params === undefined) {
        send(res, 400, {
          error: { code: 'invalid_webhook', message: 'The body is not a flat form' },
        });
        return;
      }
      const { url, signature } = received;
      const answer = await handle({ url, params, signature });
      if (answer.status !== 200) {
        send(res, answer.status, answer.body);
        return;
      }
      res.setHeader('Content-Type', 'text/xml; charset=utf-8');
      res.status(200).end(answer.twiml);
    } catch (error) {
      next(error);
    }
  };
}
