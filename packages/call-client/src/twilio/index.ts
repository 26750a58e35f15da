/**
 * `@ringkit/call-client/twilio`: Twilio's Programmable Voice (API 2010-04-01) as a
 * `CallProvider`, the signed status callbacks it sends, and calls to the account's number.
 */
export { createTwilioClient } from './client.js';
export { isTwilioApiError, TwilioApiError } from './errors.js';
export { createExpressTwilioWebhookHandler } from './express.js';
export { inboundUpdateOf } from './inbound-update.js';
export { computeTwilioSignature, verifyTwilioSignature } from './signature.js';
export { parseTwilioStatusCallback, TWILIO_CALL_STATUSES } from './status-callback.js';
export { createTwilioVoiceHandler } from './voice.js';
export { createExpressTwilioVoiceHandler } from './voice-express.js';
export { createTwilioWebhookHandler } from './webhook.js';

export type { TwilioClientOptions, TwilioProvider } from './client.js';
export type {
  ExpressTwilioWebhookHandlerOptions,
  TwilioWebhookHttpRequest,
  TwilioWebhookHttpResponse,
} from './express.js';
export type { TwilioCallbackParams } from './_form.js';
export type { ReconcileOptions } from './_reconcile.js';
export type { TwilioParams, VerifyTwilioSignatureInput } from './signature.js';
export type { ParseTwilioStatusCallbackOptions, TwilioStatusCallback } from './status-callback.js';
export type {
  TwilioVoiceHandler,
  TwilioVoiceHandlerOptions,
  TwilioVoiceRequest,
  TwilioVoiceResponse,
} from './voice.js';
export type { ExpressTwilioVoiceHandlerOptions, TwilioVoiceHttpResponse } from './voice-express.js';
export type {
  TwilioWebhookHandler,
  TwilioWebhookHandlerOptions,
  TwilioWebhookRequest,
  TwilioWebhookResponse,
} from './webhook.js';
