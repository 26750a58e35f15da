import type { ExpressTwilioOptions } from '../twilio/_express.js';
import { createFlavouredExpressWebhookHandler } from '../twilio/express.js';
import { SIGNALWIRE } from './_flavour.js';
import { createSignalWireWebhookHandler, type SignalWireWebhookHandlerOptions } from './webhook.js';

/** Options of {@link createExpressSignalWireWebhookHandler}. */
export interface ExpressSignalWireWebhookHandlerOptions
  extends SignalWireWebhookHandlerOptions, ExpressTwilioOptions {}

/**
 * {@link createSignalWireWebhookHandler} as an Express route handler for SignalWire's status
 * callbacks: `createExpressTwilioWebhookHandler` in SignalWire's flavour. The signature is read
 * from `X-SignalWire-Signature`, else from `X-Twilio-Signature`; the URL SignalWire signed is
 * rebuilt from `publicUrl` (or a trusted proxy's headers) and the request's path and query. It
 * answers `204`, `400` (bad parameters), `403` (no or bad signature, or another project's:
 * `onEvent` is not called), `413` (over `limitBytes`), `415` (neither a form nor JSON) or `500`
 * (`onEvent` failed). Errors reading the request go to `next`.
 *
 * @example
 * app.post(
 *   '/webhooks/signalwire',
 *   createExpressSignalWireWebhookHandler({
 *     signingKey: process.env.SIGNALWIRE_SIGNING_KEY!,
 *     publicUrl: 'https://app.example',
 *     onEvent: (event) => dialer.handleStatus(event),
 *   }),
 * );
 */
export function createExpressSignalWireWebhookHandler(
  options: ExpressSignalWireWebhookHandlerOptions,
) {
  const { publicUrl, trustProxy, limitBytes, ...handlerOptions } = options;
  return createFlavouredExpressWebhookHandler(
    SIGNALWIRE,
    'createExpressSignalWireWebhookHandler',
    { publicUrl, trustProxy, limitBytes },
    () => createSignalWireWebhookHandler(handlerOptions),
    handlerOptions.onError,
  );
}
