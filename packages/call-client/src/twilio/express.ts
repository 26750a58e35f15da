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
  createTwilioWebhookHandler,
  type TwilioWebhookHandler,
  type TwilioWebhookHandlerOptions,
} from './webhook.js';

export type { TwilioWebhookHttpRequest, TwilioWebhookHttpResponse } from './_express.js';

/** Options of {@link createExpressTwilioWebhookHandler}. */
export interface ExpressTwilioWebhookHandlerOptions
  extends TwilioWebhookHandlerOptions, ExpressTwilioOptions {}

const JSON_TYPE = 'application/json';

/**
 * {@link createTwilioWebhookHandler} as an Express route handler for Twilio's status callbacks
 * (form-encoded POSTs signed with `X-Twilio-Signature`, or JSON ones whose URL carries the body's
 * SHA-256 as `bodySHA256`). It reads the body itself (or takes what `express.urlencoded()` parsed,
 * or the raw body from `express.text()`/`express.raw()`), rebuilds the URL Twilio signed from
 * `publicUrl` (or a trusted proxy's headers) and the request's path and query, and answers `204`,
 * `400` (bad parameters), `403` (no or bad signature, a JSON body that does not match
 * `bodySHA256`, or one `express.json()` already parsed: `onEvent` is not called), `413` (over
 * `limitBytes`), `415` (neither a form nor JSON) or `500` (`onEvent` failed). Errors reading the
 * request go to `next`.
 *
 * @example
 * app.post(
 *   '/webhooks/twilio',
 *   createExpressTwilioWebhookHandler({
 *     authToken: process.env.TWILIO_AUTH_TOKEN!,
 *     publicUrl: 'https://app.example',
 *     onEvent: (event) => dialer.handleStatus(event),
 *   }),
 * );
 */
export function createExpressTwilioWebhookHandler(options: ExpressTwilioWebhookHandlerOptions) {
  const { publicUrl, trustProxy, limitBytes, ...handlerOptions } = options;
  return createFlavouredExpressWebhookHandler(
    TWILIO,
    'createExpressTwilioWebhookHandler',
    { publicUrl, trustProxy, limitBytes },
    () => createTwilioWebhookHandler(handlerOptions),
    handlerOptions.onError,
  );
}

/**
 * {@link createExpressTwilioWebhookHandler} of a flavour: `factory` names it in errors, `handler`
 * makes the framework-agnostic handler it feeds (after the adapter's options are checked).
 */
export function createFlavouredExpressWebhookHandler(
  flavour: TwilioFlavour,
  factory: string,
  adapterOptions: ExpressTwilioOptions,
  handler: () => TwilioWebhookHandler,
  onError: ((error: unknown) => void) | undefined,
) {
  const read = createTwilioRequestReader(factory, adapterOptions, flavour.signatureHeaders);
  const handle = handler();
  const report = (error: unknown) => {
    try {
      onError?.(error);
    } catch {
      // A failing logger must not turn into a failed callback.
    }
  };

  return async (
    req: TwilioWebhookHttpRequest,
    res: TwilioWebhookHttpResponse,
    next: (error?: unknown) => void,
  ): Promise<void> => {
    try {
      const received = await read(req, res);
      if (received === undefined) return;
      const { url, signature, type, text } = received;
      if (type !== FORM && type !== JSON_TYPE) {
        send(res, 415, {
          error: { code: 'unsupported_media_type', message: `Send ${FORM} or JSON` },
        });
        return;
      }
      if (type === JSON_TYPE) {
        if (text === undefined) {
          report(
            new Error(
              `A JSON ${flavour.label} callback to ${url} was parsed before ${factory}: its raw body, which bodySHA256 covers, is gone`,
            ),
          );
          send(res, 403, { error: UNVERIFIABLE });
          return;
        }
        const answer = await handle({ url, body: text, signature });
        send(res, answer.status, answer.body);
        return;
      }
      const params = formParams(req, received);
      if (params === undefined) {
        send(res, 400, {
          error: { code: 'invalid_webhook', message: 'The body is not a flat form' },
        });
        return;
      }
      const answer = await handle({ url, params, signature });
      send(res, answer.status, answer.body);
    } catch (error) {
      next(error);
    }
  };
}

const UNVERIFIABLE = {
  code: 'forbidden',
  message: 'The JSON body was parsed before this handler, so its signature cannot be checked',
};
