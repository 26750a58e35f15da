import {
  checkLimitBytes,
  type RawBodyHttpRequest,
  type RawBodyHttpResponse,
  type RawBodyLimitOption,
  rawBodyExpressHandler,
  sendJsonAnswer,
} from '../webhooks/_raw-express.js';
import {
  createVonageWebhookHandler,
  type VonageWebhookHandlerOptions,
  type VonageWebhookResponse,
} from './webhook.js';

/** The parts of an Express (or Node `http`) request the handler reads. */
export type VonageWebhookHttpRequest = RawBodyHttpRequest;

/** The parts of an Express response the handler writes. */
export type VonageWebhookHttpResponse = RawBodyHttpResponse;

/** Options of {@link createExpressVonageWebhookHandler}. */
export interface ExpressVonageWebhookHandlerOptions
  extends VonageWebhookHandlerOptions, RawBodyLimitOption {}

/**
 * {@link createVonageWebhookHandler} as an Express route handler: it reads the raw body itself
 * (or takes the string or `Buffer` of `express.raw()`/`express.text()`), checks its signed JWT,
 * and answers `204`, `400` (not a Vonage event), `401` (no, forged or stale token, a body that
 * is not the one signed, or a body `express.json()` already parsed), `413` (over `limitBytes`)
 * or `500` (`onEvent` failed). Errors reading the request go to `next`.
 *
 * @example
 * app.post(
 *   '/webhooks/vonage/event',
 *   createExpressVonageWebhookHandler({
 *     signatureSecret: process.env.VONAGE_SIGNATURE_SECRET!,
 *     onEvent: (event) => dialer.handleStatus(event),
 *   }),
 * );
 */
export function createExpressVonageWebhookHandler(options: ExpressVonageWebhookHandlerOptions) {
  const { limitBytes = 65_536, ...handlerOptions } = options;
  checkLimitBytes('createExpressVonageWebhookHandler', limitBytes);
  const handle = createVonageWebhookHandler(handlerOptions);
  return rawBodyExpressHandler<VonageWebhookHttpRequest, VonageWebhookHttpResponse>({
    limitBytes,
    parsedBody: VONAGE_PARSED_BODY,
    respond: async (req, res, rawBody) =>
      sendJsonAnswer(res, await handle({ rawBody, headers: req.headers })),
  });
}

/** The `401` to a body `express.json()` already parsed: its `payload_hash` cannot be checked. */
export const VONAGE_PARSED_BODY: VonageWebhookResponse = {
  status: 401,
  body: {
    error: {
      code: 'unauthorized',
      message:
        'The body was parsed before this handler, so its payload_hash cannot be checked: mount express.raw() or nothing in front',
    },
  },
};
