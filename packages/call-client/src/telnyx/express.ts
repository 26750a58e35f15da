import {
  checkLimitBytes,
  type RawBodyHttpRequest,
  type RawBodyHttpResponse,
  type RawBodyLimitOption,
  rawBodyExpressHandler,
  sendJsonAnswer,
} from '../webhooks/_raw-express.js';
import {
  createTelnyxWebhookHandler,
  type TelnyxWebhookHandlerOptions,
  type TelnyxWebhookResponse,
} from './webhook.js';

/** The parts of an Express (or Node `http`) request the handler reads. */
export type TelnyxWebhookHttpRequest = RawBodyHttpRequest;

/** The parts of an Express response the handler writes. */
export type TelnyxWebhookHttpResponse = RawBodyHttpResponse;

/** Options of {@link createExpressTelnyxWebhookHandler}. */
export interface ExpressTelnyxWebhookHandlerOptions
  extends TelnyxWebhookHandlerOptions, RawBodyLimitOption {}

/**
 * {@link createTelnyxWebhookHandler} as an Express route handler: it reads the raw body itself
 * (or takes the string or `Buffer` of `express.raw()`/`express.text()`), checks its signature,
 * and answers `204`, `400` (not a Telnyx event), `403` (no or bad signature, or a body
 * `express.json()` already parsed), `413` (over `limitBytes`) or `500` (acting on it failed).
 * Errors reading the request go to `next`.
 *
 * @example
 * app.post(
 *   '/webhooks/telnyx',
 *   createExpressTelnyxWebhookHandler({
 *     publicKey: process.env.TELNYX_PUBLIC_KEY!,
 *     client: telnyx,
 *     onEvent: (event) => dialer.handleStatus(event),
 *   }),
 * );
 */
export function createExpressTelnyxWebhookHandler(options: ExpressTelnyxWebhookHandlerOptions) {
  const { limitBytes = 65_536, ...handlerOptions } = options;
  checkLimitBytes('createExpressTelnyxWebhookHandler', limitBytes);
  const handle = createTelnyxWebhookHandler(handlerOptions);
  return rawBodyExpressHandler<TelnyxWebhookHttpRequest, TelnyxWebhookHttpResponse>({
    limitBytes,
    parsedBody: PARSED_BODY,
    respond: async (req, res, rawBody) =>
      sendJsonAnswer(res, await handle({ rawBody, headers: req.headers })),
  });
}

const PARSED_BODY: TelnyxWebhookResponse = {
  status: 403,
  body: {
    error: {
      code: 'forbidden',
      message:
        'The body was parsed before this handler, so its signature cannot be checked: mount express.raw() or nothing in front',
    },
  },
};
