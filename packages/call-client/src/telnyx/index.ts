/**
 * `@ringkit/call-client/telnyx`: Telnyx Call Control v2 as a `CallProvider`, and the Ed25519-signed
 * webhooks it sends.
 */
export { createTelnyxClient } from './client.js';
export { TELNYX_CALL_OPTIONS } from './options.js';
export { isTelnyxApiError, TelnyxApiError } from './errors.js';
export { parseTelnyxWebhook, TELNYX_HANGUP_CAUSES } from './event.js';
export { createExpressTelnyxWebhookHandler } from './express.js';
export { TELNYX_DIAL_PARAMS } from './_params.js';
export { verifyTelnyxSignature } from './signature.js';
export { createTelnyxWebhookHandler } from './webhook.js';

export type { TelnyxClientOptions, TelnyxProvider, TelnyxWebhookAction } from './options.js';
export type { ParseTelnyxWebhookOptions, TelnyxStatusEvent } from './event.js';
export type {
  ExpressTelnyxWebhookHandlerOptions,
  TelnyxWebhookHttpRequest,
  TelnyxWebhookHttpResponse,
} from './express.js';
export type { TelnyxReconcileOptions } from './_reconcile.js';
export type { VerifyTelnyxSignatureInput } from './signature.js';
export type {
  TelnyxWebhookHandler,
  TelnyxWebhookHandlerOptions,
  TelnyxWebhookRequest,
  TelnyxWebhookResponse,
} from './webhook.js';
